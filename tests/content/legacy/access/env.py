"""Alembic environment of a tree of the previous version (fixture). As the old env.py, except that the
version table comes from the test (the old trees named theirs: `alembic_version_access`,
`ev_alembic_version`) and no models are imported (the old models are gone; upgrades do not need them)."""

from alembic import context

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, version_table=config.attributes["version_table"],
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
