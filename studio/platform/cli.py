"""Core commands: `flask --app server db upgrade`, `flask --app server user create`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from .db import Session

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_database(database_url: str, revision: str = "heads") -> None:
    """Create or migrate the database to the newest schema."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


NOT_MIGRATED = "数据库尚未迁移 (database not migrated)：请先运行 flask --app server db upgrade"
OUTDATED = "数据库版本落后 (database schema is behind)：请先运行 flask --app server db upgrade"


def migration_problem(database_url: str) -> str | None:
    """Why commands cannot run on this database yet (None: migrated to the newest schema).

    Looks without creating anything: a SQLite file that does not exist is not created, and one
    that exists is opened read-only (the app's engine would switch it to WAL and add files).
    """
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        import sqlite3

        path = url.database
        if not path or path == ":memory:" or not Path(path).exists():
            return NOT_MIGRATED
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
            current = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")} if has_table else set()
        finally:
            conn.close()
    else:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                if not inspect(conn).has_table("alembic_version"):
                    return NOT_MIGRATED
                current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        finally:
            engine.dispose()
    if not current:
        return NOT_MIGRATED
    import logging

    # Alembic logs a line per plugin at INFO when first imported: noise before every command.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    return None if current == heads else OUTDATED


# Commands that work on an unmigrated database (the rest refuse in one line, creating nothing).
_WITHOUT_MIGRATION = {("db", "upgrade")}


def without_database(callback):
    """Mark a command that never touches the database (it runs even before `db upgrade`)."""
    callback._migration_checked = True
    return callback


def guard_commands(app: Flask) -> None:
    """Make every command of the app (registered by any package) check the database first."""
    import functools

    def walk(group, path):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                walk(command, path + (name,))
            elif path + (name,) not in _WITHOUT_MIGRATION and command.callback is not None \
                    and not getattr(command.callback, "_migration_checked", False):
                command.callback = checked(command.callback)

    def checked(callback):
        @functools.wraps(callback)
        def run(*args, **kwargs):
            problem = migration_problem(app.config["DATABASE_URL"])
            if problem:
                raise click.ClickException(problem)
            return callback(*args, **kwargs)
        run._migration_checked = True
        return run

    walk(app.cli, ())


def first_admin_hint(config: dict, environ: dict | None = None) -> str:
    """The command that creates the first admin, with the settings in force, ready to paste."""
    import os
    import shlex

    environ = os.environ if environ is None else environ
    settings = [("DATA_DIR", config["DATA_DIR"])]
    if environ.get("DATABASE_URL"):
        settings.append(("DATABASE_URL", environ["DATABASE_URL"]))
    prefix = " ".join(f"{name}={shlex.quote(str(value))}" for name, value in settings)
    return (f"cd {shlex.quote(str(ROOT))} && {prefix} .venv/bin/flask --app server "
            f"user create admin --role admin")


def register_commands(app: Flask) -> None:
    db_group = AppGroup("db", help="Database schema (Alembic).")

    @db_group.command("upgrade")
    @click.option("--revision", default="heads")
    def db_upgrade(revision):
        """Create or migrate the database."""
        from .config import ensure_data_dir

        ensure_data_dir(app.config)  # commands create nothing until the database is made
        upgrade_database(app.config["DATABASE_URL"], revision)
        click.echo(f"database at {revision}: {_safe_url(app.config['DATABASE_URL'])}")

    user_group = AppGroup("user", help="Staff accounts.")

    @user_group.command("create")
    @click.argument("name")
    @click.option("--role", required=True, type=click.Choice(
        ["admin", "host", "moderator", "director", "feed_editor", "publisher"]))
    @click.option("--display-name", default="")
    def user_create(name, role, display_name):
        """Create a staff account; the password comes from stdin when it is not a terminal."""
        from .auth import create_user
        from .errors import DomainError

        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        session = Session()
        try:
            user = create_user(session, name, password, role, display_name)
            session.commit()
        except DomainError as exc:
            session.rollback()
            raise click.ClickException(exc.message)
        click.echo(f"created {user.username} ({user.role}) id={user.id}")

    @user_group.command("password")
    @click.argument("name")
    def user_password(name):
        """Set a new password (from stdin when it is not a terminal); ends the user's sessions."""
        from sqlalchemy import select

        from .auth import set_password
        from .errors import DomainError
        from .models import User

        session = Session()
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            raise click.ClickException(f"no user {name}")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True) if sys.stdin.isatty() \
            else sys.stdin.readline().rstrip("\r\n")
        try:
            set_password(session, user, password)
        except DomainError as exc:
            raise click.ClickException(exc.message)
        session.commit()
        click.echo("password changed")

    @user_group.command("hint")
    def user_hint():
        """Tell the operator how to create the first admin when there is none yet."""
        from sqlalchemy import func, select

        from .models import User

        admins = Session().scalar(select(func.count()).select_from(User).where(User.role == "admin"))
        if not admins:
            click.echo("\n  还没有管理员账号。No admin account yet. Create the first one with:\n"
                       f"    {first_admin_hint(app.config)}\n"
                       "  then log in at http://%s:%s/login\n" % (app.config["HOST"], app.config["PORT"]))

    app.cli.add_command(db_group)
    app.cli.add_command(user_group)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
