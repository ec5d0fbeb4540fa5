"""Alembic environment: run with the connection handed over by ibm_geo.office.store.migrate."""

from alembic import context

from ibm_geo.office.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
