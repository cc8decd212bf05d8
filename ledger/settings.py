"""Where the ledger lives: the one place that reads the environment.

A ledger is named by a database URL: ``sqlite:////abs/path.db``,
``sqlite:///relative.db``, a bare file path, or
``postgresql://user@host:port/dbname``. Nothing is opened here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ledger.errors import LedgerError

DEFAULT_DB = "ledger.db"
DB_ENV_VAR = "SANCTIONS_LEDGER_DB"
ORIGIN_ENV_VAR = "SANCTIONS_LEDGER_ORIGIN"


@dataclass(frozen=True)
class LedgerLocation:
    """A parsed ledger URL: which backend, and how each library reaches it."""

    backend: str  # "sqlite" or "postgresql"
    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""

    @property
    def origin(self) -> str:
        """The name the ledger's checkpoints give their log (C2SP "origin").

        ``$SANCTIONS_LEDGER_ORIGIN`` if set, else ``sanctions-ledger/`` and the
        database's name (file name without its extension, or PostgreSQL's
        database name): a checkpoint of one ledger is refused for another.
        """
        named = os.environ.get(ORIGIN_ENV_VAR)
        if named:
            return named
        name = self.path.stem if self.backend == "sqlite" and self.path else self.dbname
        return f"sanctions-ledger/{name}"

    @property
    def display(self) -> str:
        if self.backend == "sqlite":
            return str(self.path)
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    def sqlalchemy_url(self) -> str:
        """The URL for SQLAlchemy, every part escaped: a ``?`` in a file name or an ``@``
        in a password stays part of it instead of starting a query or ending the password.
        (SQLAlchemy is imported here: a lone question on a current ledger never loads it.)"""
        from sqlalchemy.engine import URL

        if self.backend == "sqlite":
            query = {"uri": "true"} if self.read_only else {}
            return URL.create("sqlite", database=self.sqlite_database(),
                              query=query).render_as_string(hide_password=False)
        return URL.create("postgresql+psycopg", username=self.user,
                          password=self.password or None, host=self.host, port=self.port,
                          database=self.dbname).render_as_string(hide_password=False)

    @property
    def read_only(self) -> bool:
        """A SQLite ledger whose file this process cannot write (a read-only file or medium):
        it is opened for reading only, so that it can still be asked."""
        return bool(self.backend == "sqlite" and self.path and self.path.exists()
                    and not os.access(self.path, os.W_OK))

    def sqlite_database(self) -> str:
        """What sqlite3 opens (with URIs allowed, as eventsourcing opens it): the path, or a
        read-only URI when the file cannot be written. On a read-only medium nothing can
        change the file, and SQLite cannot create the files a WAL reader needs beside
        it: there the file is opened as immutable."""
        assert self.path is not None
        if not self.read_only:
            return str(self.path)
        flags = "mode=ro&immutable=1" if _read_only_medium(self.path) else "mode=ro"
        return f"file:{quote(str(self.path))}?{flags}"

    def eventsourcing_env(self) -> dict[str, str]:
        if self.backend == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_database(),
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "ledger.store.sqlite:ChainedSQLiteRecorder",
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_LOCK_TIMEOUT": "30",
            "POSTGRES_PRE_PING": "y",  # a pooled connection a server restart ended is replaced
            "APPLICATION_RECORDER_TOPIC": "ledger.store.postgres:ChainedPostgresRecorder",
        }

    @property
    def writer_lock(self) -> Path:
        """The sidecar file whose flock serialises writers to a SQLite ledger."""
        assert self.path is not None
        return Path(f"{self.path}.writer-lock")

    def remove_sqlite_files(self) -> None:
        """Delete a SQLite ledger: its database, journal files and lock file."""
        assert self.path is not None
        for name in (self.path, f"{self.path}-wal", f"{self.path}-shm", self.writer_lock):
            Path(name).unlink(missing_ok=True)

    def exists(self) -> bool:
        """A SQLite ledger exists when its file does; a PostgreSQL one is assumed to."""
        return self.backend != "sqlite" or bool(self.path and self.path.exists())


def _read_only_medium(path: Path) -> bool:
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)


def resolve_location(given: str | None = None) -> LedgerLocation:
    """The ledger named by ``--db``, else ``$SANCTIONS_LEDGER_DB``, else ``./ledger.db``."""
    url = given or os.environ.get(DB_ENV_VAR) or DEFAULT_DB
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return _postgres(url)
    if url.startswith("sqlite:///"):
        return LedgerLocation("sqlite", path=Path(url.removeprefix("sqlite:///")).absolute())
    if "://" in url:
        raise LedgerError(f"unsupported ledger URL {url!r}: use a file path, "
                          "sqlite:///PATH or postgresql://USER@HOST:PORT/DBNAME")
    return LedgerLocation("sqlite", path=Path(url).expanduser().absolute())


def _postgres(url: str) -> LedgerLocation:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise LedgerError("the port in the PostgreSQL URL is not a number "
                          "from 0 to 65535") from None
    dbname = parts.path.lstrip("/")
    if not dbname:
        raise LedgerError(f"the PostgreSQL URL {url!r} names no database")
    return LedgerLocation(
        "postgresql",
        host=parts.hostname or "127.0.0.1",
        port=port or 5432,
        user=unquote(parts.username or os.environ.get("PGUSER", "postgres")),
        password=unquote(parts.password or ""),
        dbname=dbname,
    )
