"""Engines for the dispute store. Called only from the composition root; nothing connects at import time."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"timeout": 30})
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def _sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling delays BEGIN and breaks SAVEPOINTs; SQLAlchemy documents
    # taking it over like this. WAL lets readers go on while one process writes.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front, so two writers queue (busy_timeout) instead of
        # one failing half-way on a stale snapshot. Transactions here last milliseconds.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
