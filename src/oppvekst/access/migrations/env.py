"""Alembic environment for users, tokens, audit and register rights. Online mode only: db.migrate()
passes a connection. The version table is `alembic_version_access`, so the other capabilities keep
their own migrations in the same content database."""

from alembic import context
from sqlalchemy import create_engine

from oppvekst.access.models import Base

config = context.config
VERSION_TABLE = "alembic_version_access"


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
