"""Alembic environment: run through bot.store.migrate, which hands over a live connection."""
from alembic import context

from bot.store.tables import metadata

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite can't ALTER most things in place
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover
    raise SystemExit("Offline migrations are not supported; run `python -m bot migrate`.")
run_migrations_online()
