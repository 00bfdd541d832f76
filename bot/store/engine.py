"""Engines for the dispute store. Called only from the composition root; nothing connects at import time."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import QueuePool

READ_ONLY = "dispute_store_read_only"


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        pooling = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # SQLAlchemy 1.4 opens a new connection to a SQLite file per transaction (NullPool); a pool keeps
            # them, and each is used by one thread at a time.
            pooling = {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 10}
        engine = create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False},
                               **pooling)
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def read_connection(engine: Engine) -> Connection:
    """A connection for reading only. On SQLite its transaction does not take the write lock, so reads never
    queue behind another process's write."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def _sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling delays BEGIN and breaks SAVEPOINTs; SQLAlchemy documents
    # taking it over like this. WAL lets readers go on while one process writes; with WAL, synchronous=NORMAL
    # keeps every commit through a crash of the process and waits for the disk only at checkpoints (a power
    # cut may lose the last commits, never corrupt the file).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front, so two writers queue (busy_timeout) instead of
        # one failing half-way on a stale snapshot. Transactions here last milliseconds. Read-only
        # connections (read_connection) need no lock.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")
