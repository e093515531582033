"""Commands: `flask --app server publish INTERVIEW_ID` and `flask --app server worker`."""
from __future__ import annotations

import sys
import threading

import click
from flask import Flask

from studio.platform.db import Session
from studio.platform.errors import DomainError

from . import jobs, worker


def _bar(value: float, stage: str, width: int = 30) -> str:
    filled = int(round(value * width))
    return f"\r[{'#' * filled}{'-' * (width - filled)}] {value * 100:5.1f}% {stage:<8}"


def register_commands(app: Flask) -> None:
    @app.cli.command("publish")
    @click.argument("interview_id", type=int)
    def publish_command(interview_id):
        """Publish an interview now, by its saved edit decision, with a progress bar."""
        session = Session()
        token = jobs.new_claim_token()
        try:
            job = jobs.enqueue_publish(session, interview_id, None, claim_token=token)
            session.commit()
        except DomainError as exc:
            session.rollback()
            raise click.ClickException(exc.message)
        click.echo(f"job {job.id}: publishing interview {interview_id}")
        shown = {"last": -1.0, "stage": None}

        def echo(value, stage):
            # One line redrawn in a terminal; when piped, whole lines at each new stage and every
            # 5% (logs stay short, and a fast machine still shows what the job went through).
            if sys.stdout.isatty():
                click.echo(_bar(value, stage), nl=False)
            elif stage != shown["stage"] or value - shown["last"] >= 0.05 or value >= 1.0 > shown["last"]:
                shown["last"], shown["stage"] = value, stage
                click.echo(_bar(value, stage).strip())

        result = worker.run_job(app, job.id, token, echo=echo)
        if sys.stdout.isatty():
            click.echo()
        if result["state"] != "done":
            click.echo(f"job {job.id} {result['state']}: {result.get('error', '')}", err=True)
            sys.exit(1)
        click.echo(f"published: /archive/{interview_id}/ ({result.get('duration_s')} s)")

    @app.cli.command("worker")
    def worker_command():
        """Run publishing jobs in this process (for WORKER=external); stops on Ctrl-C."""
        stop = threading.Event()
        click.echo("publishing worker running; Ctrl-C stops it")
        try:
            worker.work_forever(app, stop)
        except KeyboardInterrupt:
            stop.set()
