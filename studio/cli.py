"""Core commands: `flask --app server db upgrade`, `flask --app server user create`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from .db import Session

ROOT = Path(__file__).resolve().parent.parent


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


def register_commands(app: Flask) -> None:
    db_group = AppGroup("db", help="Database schema (Alembic).")

    @db_group.command("upgrade")
    @click.option("--revision", default="heads")
    def db_upgrade(revision):
        """Create or migrate the database."""
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
                       "    .venv/bin/flask --app server user create admin --role admin\n"
                       "  then log in at http://%s:%s/login\n" % (app.config["HOST"], app.config["PORT"]))

    app.cli.add_command(db_group)
    app.cli.add_command(user_group)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
