"""Runs publishing jobs: the in-process background worker, `flask --app server worker`, the CLI.

run_job() does one job end to end: the pipeline into a work folder, the swap into the archive,
the interview's state, the index and feed. Progress and the heartbeat are written at most once
a HEARTBEAT_EVERY_S, and each write also reads the cancel flag, so a cancel from any process
reaches the ffmpeg of any other within a second or two.
"""
from __future__ import annotations

import logging
import shutil
import threading
import time
from typing import Callable

from flask import Flask

from studio.platform.db import Session, utcnow
from studio.interviews import change_state, get_interview
from studio.platform.timefmt import iso

from . import archive, jobs
from .pipeline import STAGES, Cancelled, EncodeOptions, PipelineError, build_package
from .smartcut import MODES

log = logging.getLogger(__name__)
IDLE_POLL_S = 2.0
# Tokens of the jobs this process is running now (process-local by nature: it names this process's work).
_running_tokens: set[str] = set()


def encode_options(config) -> EncodeOptions:
    mode = str(config.get("PUBLISH_SMART_CUT") or "auto").strip().lower()
    if mode not in MODES:
        log.warning("PUBLISH_SMART_CUT=%r is not one of %s; using auto", mode, "/".join(MODES))
        mode = "auto"
    return EncodeOptions(preset=config["PUBLISH_PRESET"], crf=int(config["PUBLISH_CRF"]),
                         max_height=int(config["PUBLISH_MAX_HEIGHT"]), smart_cut=mode)


class _Progress:
    """Maps stage progress to the job's 0..1, throttles writes, turns a cancel into Cancelled."""

    def __init__(self, job_id: int, token: str, echo: Callable[[float, str], None] | None):
        self.job_id, self.token, self.echo = job_id, token, echo
        self.started = time.monotonic()
        self.last_write = 0.0
        self.value = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        low, high = STAGES[stage]
        self.value = max(self.value, low + (high - low) * min(max(fraction, 0.0), 1.0))
        if self.echo:
            self.echo(self.value, stage)
        now = time.monotonic()
        if now - self.last_write < jobs.HEARTBEAT_EVERY_S and fraction not in (0.0, 1.0):
            return
        self.last_write = now
        elapsed = now - self.started
        eta = elapsed * (1 - self.value) / self.value if self.value > 0.02 else None
        if not jobs.report_progress(Session(), self.job_id, self.token, self.value, stage, eta):
            raise Cancelled()


def run_job(app: Flask, job_id: int, token: str, echo: Callable[[float, str], None] | None = None) -> dict:
    """Run one claimed job to its end state; returns its JSON. Never leaves it running."""
    session = Session()
    job = jobs.get_job(session, job_id)
    data_dir = app.config["DATA_DIR"]
    work_dir = archive.work_dir_for(data_dir, job.interview_id, job.id, job.attempts)
    _running_tokens.add(token)
    try:
        archive.remove_work_dirs(data_dir, job.id)  # what a crashed earlier attempt left
        work_dir.mkdir(parents=True)
        interview = get_interview(session, job.interview_id)
        progress = _Progress(job.id, token, echo)

        def render_page(meta, folder):
            meta["published_at"] = iso(interview.published_at or utcnow())
            archive.render_interview_page(meta, folder)

        def on_cut(path, reason):
            if path == "smart":
                log.info("publishing job %s: smart cut (stream copy, frames at the cuts encoded)", job_id)
            else:
                log.info("publishing job %s: full encode: %s", job_id, reason)
            jobs.report_cut_path(Session(), job_id, token, path, reason)

        meta = build_package(session, interview, job.edit, work_dir, data_dir, encode_options(app.config),
                             progress, render_page, on_cut)
        session.rollback()  # end the read transaction before the swap
        if not jobs.report_progress(session, job.id, token, 1.0, "archive", 0.0):
            raise Cancelled()
        interview = get_interview(session, job.interview_id)
        if interview.state not in jobs.PUBLISHABLE_STATES:
            raise PipelineError(f"访谈状态已变为 {interview.state}，未发布")
        version = archive.install_version(data_dir, interview.id, job.id, work_dir)
        if interview.state == "ended":
            change_state(session, interview, "published")
        finished = jobs.finish_job(session, job.id, token, "done", output_path=str(version),
                                   duration_s=(meta.get("video") or {}).get("duration_s"))
        session.commit()
        if finished is None:
            log.warning("job %s finished after it was taken from this worker", job_id)
        archive.regenerate_index(session, data_dir, app.config.get("ARCHIVE_BASE_URL", ""))
        session.commit()
    except Cancelled:
        session.rollback()
        jobs.finish_job(session, job_id, token, "cancelled", error="已取消")
        session.commit()
    except PipelineError as exc:
        session.rollback()
        jobs.finish_job(session, job_id, token, "failed", error=str(exc))
        session.commit()
    except Exception as exc:  # noqa: BLE001 - a job must end failed with a reason, whatever broke
        log.exception("publishing job %s failed", job_id)
        session.rollback()
        jobs.finish_job(session, job_id, token, "failed", error=f"内部错误：{type(exc).__name__}: {exc}")
        session.commit()
    finally:
        _running_tokens.discard(token)
        shutil.rmtree(work_dir, ignore_errors=True)
    session.expire_all()
    return jobs.job_json(jobs.get_job(session, job_id))


def work_once(app: Flask) -> dict | None:
    """Recover dead workers' jobs, then run the oldest queued job if there is one."""
    session = Session()
    jobs.recover_stale_jobs(session, set(_running_tokens))
    token = jobs.new_claim_token()
    job = jobs.claim_next_job(session, token)
    if job is None:
        return None
    return run_job(app, job.id, token)


def work_forever(app: Flask, stop: threading.Event) -> None:
    """The worker loop: poll for queued jobs, and on every poll for dead workers' jobs."""
    with app.app_context():
        while not stop.is_set():
            try:
                result = work_once(app)
            except Exception:  # noqa: BLE001 - the loop must survive a database hiccup
                log.exception("publishing worker loop error")
                result = None
            finally:
                Session.remove()
            if result is None:
                stop.wait(IDLE_POLL_S)


def start_background_worker(app: Flask) -> threading.Event:
    """Start the worker as a daemon thread (a green thread under eventlet's monkey patching)."""
    stop = threading.Event()
    thread = threading.Thread(target=work_forever, args=(app, stop), name="publishing-worker", daemon=True)
    thread.start()
    return stop
