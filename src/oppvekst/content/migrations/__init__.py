"""The one Alembic tree of the content database; run programmatically by oppvekst.content.db.migrate()."""
