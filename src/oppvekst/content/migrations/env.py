"""Alembic environment of the content database. Online mode only: content.db.migrate() passes a
connection. One version table (`alembic_version`) for every capability's tables."""

from alembic import context

from oppvekst.content import db
from oppvekst.content.models import Base

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, version_table=db.VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # the alembic command line (autogenerate needs every model on the metadata)
    db.load_models()
    with db.engine(config.get_main_option("sqlalchemy.url")).begin() as conn:
        _run(conn)
