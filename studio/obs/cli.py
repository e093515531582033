"""`flask --app server obs bootstrap | status | run`."""
from __future__ import annotations

import json
import time

import click
from flask import Flask
from flask.cli import AppGroup

from studio.platform.db import Session


def register_commands(app: Flask) -> None:
    obs_group = AppGroup("obs", help="OBS Studio (obs-websocket v5).")

    @obs_group.command("bootstrap")
    def obs_bootstrap():
        """Create the standard scenes and overlay inputs in the connected OBS (safe to run again)."""
        from studio.platform.errors import DomainError

        from . import services
        from .bootstrap import bootstrap
        from .client import ObsConnection, ObsError

        url = app.config.get("OBS_URL")
        if not url:
            raise click.ClickException("OBS_URL is not set: no OBS to bootstrap")
        session = Session()
        status = services.read_status(session)
        if services.lease_alive(status):
            # A server owns the one connection to OBS: let it do the work.
            if not status.connected:
                raise click.ClickException(f"OBS is not connected: {status.error_message or 'unknown reason'}")
            command = services.enqueue_command(session, "bootstrap", {}, None)
            session.commit()
            try:
                result = services.wait_for_command(Session, command.id, timeout=60)
            except DomainError as exc:
                raise click.ClickException(exc.message)
        else:
            conn = ObsConnection(url, app.config.get("OBS_PASSWORD") or "", request_timeout=10)
            try:
                conn.connect()
                result = bootstrap(conn, app.config.get("RTMP_URL"))
            except (ObsError, RuntimeError) as exc:
                raise click.ClickException(str(exc))
            finally:
                conn.close()
        for change in result["changes"]:
            click.echo(f"created/changed: {change}")
        if not result["changes"]:
            click.echo("nothing to change: OBS already has the standard scenes and overlays")
        click.echo("scenes: " + ", ".join(result["scenes"]))
        if result.get("restart_needed"):
            click.echo("output settings changed: restart OBS once so recording and streaming use them")

    @obs_group.command("status")
    def obs_status():
        """Print OBS's state as the server sees it (JSON)."""
        from . import services

        state = services.obs_state_json(services.read_status(Session()), bool(app.config.get("OBS_URL")))
        click.echo(json.dumps(state, ensure_ascii=False, indent=2))

    @obs_group.command("run")
    def obs_run():
        """Run the OBS connection owner in the foreground (WORKER=external)."""
        from . import start_owner

        if not app.config.get("OBS_URL"):
            raise click.ClickException("OBS_URL is not set")
        owner = start_owner(app)
        click.echo("OBS owner running; Ctrl-C to stop")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            owner.stop()

    app.cli.add_command(obs_group)
