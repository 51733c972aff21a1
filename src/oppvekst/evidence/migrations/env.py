"""Alembic environment for the evidence store. Online mode only: db.migrate() passes a connection.
The version table is `ev_alembic_version`, so other capabilities can keep their own migrations in
the same content database."""

from alembic import context
from sqlalchemy import create_engine

from oppvekst.evidence.models import Base

config = context.config
VERSION_TABLE = "ev_alembic_version"


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      version_table=VERSION_TABLE,
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
