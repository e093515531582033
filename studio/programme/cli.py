"""`flask --app server programme digest`: send today's deadline digest (cron, or DIGEST_HOUR)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup


def register_commands(app: Flask) -> None:
    group = AppGroup("programme", help="The year's programme: deadlines and reminders.")

    @group.command("digest")
    @click.option("--dry-run", is_flag=True, help="list what would be sent, send nothing")
    def digest_command(dry_run):
        """Send each liaison e-mail its due and overdue deadlines (needs SMTP_URL)."""
        from studio.platform.db import Session
        from . import digest

        session = Session()
        items = digest.digest_items(session, current_app.config)
        groups = digest.by_recipient(items)
        if dry_run or not current_app.config.get("SMTP_URL"):
            if not dry_run:
                click.echo("SMTP_URL is not set: nothing sent", err=True)
            for address, rows in groups.items():
                click.echo(f"{address}: {len(rows)}")
            return
        sent = digest.send_digest(session, current_app.config)
        for address, count in sent.items():
            click.echo(f"sent {address}: {count}")

    if "programme" not in app.cli.commands:
        app.cli.add_command(group)
