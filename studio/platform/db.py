"""SQLAlchemy engine and session, bound to the app in create_app.

SQLite runs in WAL mode with a busy timeout (one writer, many readers, durable on a crash);
PostgreSQL comes through DATABASE_URL.
"""
from __future__ import annotations

import logging
import sys
import time
from datetime import datetime, timezone

from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# How long a statement waits for SQLite's write lock (its busy timeout; under eventlet, the green
# writer queue and the green retries) before "database is locked".
SQLITE_LOCK_WAIT_S = 15.0
SQLITE_POOL_SIZE = 32  # connections kept (and as many more made when needed)


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which keeps no offset) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use utcnow() or an aware value")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# One scoped session per thread/greenlet; removed at the end of each app context.
Session = scoped_session(sessionmaker(expire_on_commit=False))
_engine = None


def make_engine(url: str):
    """Create the engine with the per-dialect settings this app relies on."""
    if url.startswith("sqlite"):
        # Every request's green thread holds a connection while it runs: with SQLAlchemy's
        # default pool (5 kept, 10 more made and closed on demand) 16 requests at once opened and
        # closed a connection (its pragmas and all) per request, 0.2 ms of the hub each
        # (bench/question_intake.py --profile). A SQLite connection is a few fds and pages.
        engine = create_engine(url, connect_args={"timeout": SQLITE_LOCK_WAIT_S},
                               pool_size=SQLITE_POOL_SIZE, max_overflow=SQLITE_POOL_SIZE)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged write survives a crash of the machine, not only of the process.
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    _run_commit_visible_hooks(engine)
    return engine


_VISIBLE_HOOKS = "fangtan.commit_visible"


def on_commit_visible(session, callback) -> None:
    """Call `callback()` as soon as the session's transaction is committed, in the same step as
    the COMMIT: before the commit waits for the disk (WalSync) and before the session's
    after_commit hooks. For process-local caches of committed rows (the n-gram index): every
    other connection reads the rows from then on, so the cache must not lag them meanwhile. A
    rollback drops the callbacks; they must not do I/O or raise."""
    session.connection().info.setdefault(_VISIBLE_HOOKS, []).append(callback)


def _run_commit_visible_hooks(engine) -> None:
    dialect = engine.dialect
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection):
        _pop_hooks(dbapi_connection)
        rollback(dbapi_connection)

    dialect.do_commit, dialect.do_rollback = _commit_then_hooks(dialect.do_commit), do_rollback


def _commit_then_hooks(commit):
    """`commit`, then the callbacks on_commit_visible registered, in the caller's thread.

    The dialect is handed the pool's proxy: its info is the DBAPI connection's, kept for the
    connection's life, so the callbacks are popped at every end of a transaction. A COMMIT that
    raises leaves them: it is retried (_wait_greenly) or rolled back. `without_hooks` is
    `commit`, for a caller that moves the COMMIT itself elsewhere (a pool thread)."""
    def do_commit(dbapi_connection):
        commit(dbapi_connection)
        for callback in _pop_hooks(dbapi_connection):
            callback()

    do_commit.without_hooks = commit
    return do_commit


def _pop_hooks(dbapi_connection) -> list:
    try:
        info = dbapi_connection.info
    except (AttributeError, NotImplementedError):  # the first connect's ad-hoc proxy: no callbacks
        return []
    return info.pop(_VISIBLE_HOOKS, [])


def eventlet_patched() -> bool:
    """True in `python server.py` (eventlet monkey-patched); False in tests (threading mode)."""
    patcher = sys.modules.get("eventlet.patcher")  # never imported: nothing is patched
    return patcher is not None and patcher.is_monkey_patched("thread")


def _keep_the_hub_free(engine) -> None:
    """Under eventlet, no COMMIT waits for the disk on the hub, and SQLite writers queue greenly.

    A durable COMMIT is an fsync on SQLite and a round trip on PostgreSQL: up to tens of ms on a
    busy machine, while statements take well under a ms. On the hub it would stall every socket
    of the process. On PostgreSQL the COMMIT runs on a pool thread (eventlet.tpool) and only the
    green thread that commits waits. On SQLite the COMMIT itself runs on the hub with
    synchronous=NORMAL (WAL frames written to the OS, no fsync: microseconds, and it survives the
    process being killed), then releases the writer, and the green thread waits for a group
    fdatasync of the WAL on the pool (WalSync) before anything is broadcast or answered: an
    acknowledged write survives a crash of the machine, as with synchronous=FULL, but one fsync
    serves every commit made while the previous one ran, and a pool round trip per commit — whose
    thread hand-offs cost the hub more than the request's own work (bench/question_intake.py
    --profile) — is one per batch. Automatic checkpoints (an fsync of the database file, on the
    committing connection) are off on these connections; WalSync checkpoints on the pool, holding
    the writer.

    A write transaction first takes a green semaphore (one writer per process, as SQLite allows
    anyway) that others wait on without blocking the hub: otherwise a second green thread's
    first write would meet SQLite's lock and sleep in SQLite's busy handler, on the hub. It is
    released when the transaction ends (commit, rollback, or the pool's reset of a connection
    handed back).

    The semaphore cannot see another process (a second server on the same file, the CLI beside
    `make run`): while that one holds the lock, SQLite's own busy handler would sleep on the hub
    and freeze every socket of this process until it commits. So under eventlet SQLite's busy
    timeout is 0 and a statement that meets the lock is retried after a green sleep
    (_wait_greenly), up to the same 15 s, a COMMIT too.
    """
    from eventlet import semaphore, tpool

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback
    if engine.dialect.name != "sqlite":
        # Only the DBAPI's COMMIT goes to the pool: the callbacks stay on the committing green
        # thread (they take green locks, which an OS thread of the pool must not).
        bare_commit = commit.without_hooks
        dialect.do_commit = _commit_then_hooks(lambda dbapi_connection: tpool.execute(bare_commit, dbapi_connection))
        return

    writer = semaphore.Semaphore(1)
    wal_sync = (WalSync(engine.url.database, writer)
                if engine.url.database not in (None, "", ":memory:") else None)

    @event.listens_for(engine, "connect")
    def _no_busy_handler(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA busy_timeout = 0")
        if wal_sync is not None:
            # After _sqlite_pragmas' FULL: the fsync is WalSync's, off the hub.
            dbapi_conn.execute("PRAGMA synchronous=NORMAL")
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

    import eventlet

    green_sleep = eventlet.sleep
    execute, execute_no_params, executemany = (dialect.do_execute, dialect.do_execute_no_params,
                                               dialect.do_executemany)
    dialect.do_execute = _wait_greenly(execute, green_sleep)
    dialect.do_execute_no_params = _wait_greenly(execute_no_params, green_sleep)
    dialect.do_executemany = _wait_greenly(executemany, green_sleep)
    commit = _wait_greenly(commit, green_sleep)
    holders: set[int] = set()  # id() of the DBAPI connection holding `writer`
    held_by = ["", time.monotonic()]  # the statement that took it, and when: for the warning

    def release(connection) -> bool:
        """Hand the writer on; True when this connection held it (its transaction wrote)."""
        # The dialect is handed the pool's proxy, the events the DBAPI connection itself.
        key = id(getattr(connection, "dbapi_connection", connection))
        if key in holders:
            holders.discard(key)
            writer.release()
            return True
        return False

    @event.listens_for(engine, "before_cursor_execute")
    def _take_writer(conn, _cursor, statement, *_args):
        dbapi_connection = conn.connection.dbapi_connection
        if id(dbapi_connection) in holders or not statement.lstrip()[:6].upper().startswith(_WRITES):
            return
        # Bounded like SQLite's own busy timeout: a caller holding two write connections at
        # once (a deadlock on SQLite whatever we do) ends in SQLite's "database is locked".
        if writer.acquire(timeout=SQLITE_LOCK_WAIT_S):
            holders.add(id(dbapi_connection))
            held_by[:] = [statement[:120], time.monotonic()]
        else:
            log.warning("SQLite writer: waited %.0f s for %r (held since %.1f s by %r)", SQLITE_LOCK_WAIT_S,
                        statement[:120], time.monotonic() - held_by[1], held_by[0])

    def do_commit(dbapi_connection):
        try:
            commit(dbapi_connection)
        finally:
            wrote = release(dbapi_connection)
        if wrote and wal_sync is not None:
            wal_sync.wait()  # the next writer goes on meanwhile

    def do_rollback(dbapi_connection):
        try:
            rollback(dbapi_connection)
        finally:
            release(dbapi_connection)

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

    @event.listens_for(engine, "close")
    def _closed(dbapi_connection, _record):
        release(dbapi_connection)


class WalSync:
    """Group fdatasync of a SQLite database's WAL, for commits made with synchronous=NORMAL.

    wait() returns once every commit this process made before the call is on disk: the first
    caller with nothing in flight runs one fdatasync on eventlet's thread pool (hub-side calls
    only: green threads share these counters without a lock), callers arriving meanwhile wait
    for the next one, which covers all of them (the WAL is appended in commit order, and an
    fdatasync of the file flushes what any connection wrote to it). After a sync, at most every
    CHECKPOINT_EVERY_S, a PASSIVE checkpoint (copying the WAL into the database file and syncing
    that) runs on the pool, on a connection of its own, holding the writer (_checkpoint_if_due).
    """

    CHECKPOINT_EVERY_S = 1.0

    def __init__(self, path: str, writer):
        from eventlet.patcher import original

        self.path, self.wal = path, path + "-wal"
        self.writer = writer     # the process's green writer semaphore (_keep_the_hub_free)
        self._os = original("os")  # eventlet's green os.open would register the fd with a hub
        self.committed = 0       # write commits made on this process's hub
        self.synced = 0          # of them, known to be on disk
        self._running = False
        self._waiters: list = []
        self._checkpointer = None    # used by one checkpoint at a time (_checkpointing)
        self._checkpointing = False
        self._checkpointed_at = time.monotonic()

    def wait(self) -> None:
        from eventlet.event import Event as GreenEvent

        self.committed += 1
        ticket = self.committed
        while self.synced < ticket:
            if self._running:
                waiter = GreenEvent()
                self._waiters.append(waiter)
                waiter.wait()
                continue
            self._running, through = True, self.committed
            try:
                self._run(self._sync)
                self.synced = max(self.synced, through)
            finally:
                # On a failure the waiters wake and one of them tries again (its commit is
                # written but not known durable; the error goes to this caller).
                self._running = False
                waiters, self._waiters = self._waiters, []
                for waiter in waiters:
                    waiter.send()
            self._checkpoint_if_due()

    def _checkpoint_if_due(self) -> None:
        """A checkpoint in a green thread of its own (no commit's answer waits for it) that holds
        the process's writer meanwhile: with no write of ours running, the checkpoint copies the
        whole WAL, and the next writer starts it again from the beginning (SQLite's automatic
        checkpoint, inside a COMMIT that still held our writer, did the same). Were the WAL
        written during the checkpoint, it would never be all copied under a steady load, and it
        would only grow."""
        if self._checkpointing or time.monotonic() - self._checkpointed_at < self.CHECKPOINT_EVERY_S:
            return
        import eventlet

        self._checkpointing = True

        def checkpoint():
            try:
                if self.writer.acquire(timeout=SQLITE_LOCK_WAIT_S):
                    try:
                        self._run(self._checkpoint)
                    finally:
                        self.writer.release()
            finally:
                self._checkpointing, self._checkpointed_at = False, time.monotonic()

        eventlet.spawn_n(checkpoint)

    @staticmethod
    def _run(fn):
        from eventlet import tpool

        return tpool.execute(fn)

    def _sync(self) -> None:
        """On a pool thread: the WAL to disk."""
        os_ = self._os
        try:
            fd = os_.open(self.wal, os_.O_RDONLY)
        except FileNotFoundError:
            # No WAL: the last connection to close checkpointed it into the database file and
            # synced that before deleting it.
            return
        try:
            os_.fdatasync(fd)
        finally:
            os_.close(fd)

    def _checkpoint(self) -> None:
        import sqlite3

        try:
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(self.path, timeout=0, isolation_level=None,
                                                     check_same_thread=False)
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # busy with another checkpoint, or the file moved: next time
            log.debug("SQLite checkpoint of %s skipped: %s", self.path, exc)


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC", "CREATE", "DROP", "ALTER")  # DDL writes too
SLOW_LOCK_WAIT_S = 1.0     # a wait this long is logged: another process held the lock
SQLITE_BUSY_RECOVERY = 261  # SQLITE_BUSY | 1 << 8: another connection is recovering the WAL


def _wait_greenly(call, sleep):
    """call(...) retried while SQLite answers SQLITE_BUSY (another connection holds the lock).

    SQLITE_BUSY_SNAPSHOT (a read transaction that may no longer write) is raised at once, as
    SQLite's own busy handler would: retrying cannot help it.
    """
    import sqlite3

    def retried(*args):
        started, delay = None, 0.001
        while True:
            try:
                result = call(*args)
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) not in (sqlite3.SQLITE_BUSY, SQLITE_BUSY_RECOVERY):
                    raise
                now = time.monotonic()
                started = now if started is None else started
                waited = now - started
                if waited >= SQLITE_LOCK_WAIT_S:
                    log.warning("SQLite: the database stayed locked for %.1f s", waited)
                    raise
                sleep(min(delay, SQLITE_LOCK_WAIT_S - waited))
                delay = min(delay * 2, 0.02)
                continue
            if started is not None and time.monotonic() - started > SLOW_LOCK_WAIT_S:
                log.warning("SQLite: waited %.1f s for the database lock", time.monotonic() - started)
            return result

    return retried



def init_engine(url: str):
    global _engine
    if _engine is not None and str(_engine.url) == url:
        return _engine
    if _engine is not None:
        _engine.dispose()
    _engine = make_engine(url)
    if eventlet_patched():
        _keep_the_hub_free(_engine)
    Session.remove()
    Session.configure(bind=_engine)
    return _engine


def get_engine():
    return _engine
