"""Alembic migrations of the evidence store; run programmatically by oppvekst.evidence.db.migrate()."""
