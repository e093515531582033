"""Publishing jobs: stored state, atomic claiming, heartbeats, recovery after a crash, cancelling.

A job row is the job's whole state. Workers (in the server process or `flask --app server worker`,
several at once) claim a queued job with one conditional UPDATE carrying a claim token
"host:pid:boot"; while running they refresh heartbeat_at. A running job whose owner process is
gone (same host, pid dead or a different boot) or whose heartbeat is older than STALE_AFTER_S is
put back in the queue once more (MAX_ATTEMPTS in all) or failed with the reason: never left
"running".
"""
from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

from sqlalchemy import select, update

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, NotFound
from studio.platform.events import record_event
from studio.interviews import get_interview, lock_interview
from studio.platform.timefmt import iso

from .edit import edit_json, get_edit
from .models import ACTIVE_JOB_STATES, PublishJob

MAX_ATTEMPTS = 2          # the first run and one retry after a crash
STALE_AFTER_S = 60        # heartbeats come every second or two while ffmpeg runs
HEARTBEAT_EVERY_S = 1.0
PUBLISHABLE_STATES = ("ended", "published")
# This process's identity in claim tokens; a restarted server (even with the same pid) differs.
BOOT_ID = secrets.token_hex(4)
HOST = socket.gethostname()

# The event types (publish.job, edit.saved) are declared in publishing/event_types.py.


def new_claim_token() -> str:
    return f"{HOST}:{os.getpid()}:{BOOT_ID}:{secrets.token_hex(4)}"


def job_json(job: PublishJob) -> dict:
    data = {"id": job.id, "job_id": job.id, "interview_id": job.interview_id, "state": job.state,
            "progress": round(job.progress or 0.0, 4), "stage": job.stage, "attempts": job.attempts,
            "created_at": iso(job.created_at), "started_at": iso(job.started_at),
            "finished_at": iso(job.finished_at), "cancel_requested": job.cancel_requested}
    if job.eta_s is not None and job.state == "running":
        data["eta_s"] = round(job.eta_s, 1)
    if job.error:
        data["error"] = job.error
    if job.cut_path:
        data["path"] = job.cut_path
        data["reason"] = job.cut_reason or ""
    if job.state == "done":
        data["url"] = f"/archive/{job.interview_id}/"
        data["duration_s"] = job.duration_s
    return data


def _job_event(session, job: PublishJob) -> None:
    record_event(session, job.interview_id, "publish.job", job_json(job))


def get_job(session, job_id: int) -> PublishJob:
    job = session.get(PublishJob, job_id)
    if job is None:
        raise NotFound("没有这个发布任务", code="job_not_found")
    return job


def list_jobs(session, interview_id: int, limit: int = 20) -> list[PublishJob]:
    return list(session.scalars(select(PublishJob).where(PublishJob.interview_id == interview_id)
                                .order_by(PublishJob.id.desc()).limit(limit)))


def active_job(session, interview_id: int) -> PublishJob | None:
    return session.scalar(select(PublishJob).where(PublishJob.interview_id == interview_id,
                                                   PublishJob.state.in_(ACTIVE_JOB_STATES)))


def enqueue_publish(session, interview_id: int, user_id: int | None, claim_token: str | None = None) -> PublishJob:
    """Queue a publishing job with a copy of the current edit decision.

    With claim_token the job is created already running for that caller (the CLI runs it in the
    foreground, so no background worker may take it first).
    """
    interview = get_interview(session, interview_id)
    lock_interview(session, interview_id)  # two publish clicks at once must not both find "no job"
    if interview.state not in PUBLISHABLE_STATES:
        raise Conflict(f"访谈结束后才能发布（当前状态：{interview.state}）", code="not_publishable",
                       state=interview.state)
    decision = get_edit(session, interview_id)
    running = active_job(session, interview_id)
    if running is not None:
        raise Conflict("本访谈已有发布任务在进行", code="job_in_progress", job_id=running.id)
    now = utcnow()
    job = PublishJob(interview_id=interview_id, state="running" if claim_token else "queued", progress=0.0,
                     stage="", error="", attempts=1 if claim_token else 0, claim_token=claim_token,
                     cancel_requested=False, edit=edit_json(decision), output_path="",
                     requested_by=user_id, created_at=now,
                     started_at=now if claim_token else None, heartbeat_at=now if claim_token else None)
    session.add(job)
    session.flush()
    _job_event(session, job)
    return job


def publish_text_only(session, interview_id: int, user_id: int | None) -> PublishJob:
    """Publish an interview to the archive without video (an open day's activity report): the
    text-only edit decision (no recordings), its edit.saved event, then the job, returned."""
    from .edit import save_edit

    decision = save_edit(session, interview_id, {"recording_ids": []}, user_id)
    record_event(session, interview_id, "edit.saved", {"revision": decision.revision, "by": None})
    return enqueue_publish(session, interview_id, user_id)


def claim_next_job(session, token: str) -> PublishJob | None:
    """Take the oldest queued job for this worker; one conditional UPDATE, so two never take one."""
    candidate = session.scalar(select(PublishJob.id).where(PublishJob.state == "queued")
                               .order_by(PublishJob.id).limit(1))
    if candidate is None:
        return None
    now = utcnow()
    claimed = session.execute(
        update(PublishJob).where(PublishJob.id == candidate, PublishJob.state == "queued")
        .values(state="running", claim_token=token, attempts=PublishJob.attempts + 1, started_at=now,
                heartbeat_at=now, progress=0.0, stage="", eta_s=None, cut_path="", cut_reason="")
    ).rowcount
    if not claimed:
        session.rollback()
        return None
    job = session.get(PublishJob, candidate)
    session.refresh(job)
    _job_event(session, job)
    session.commit()
    return job


def report_progress(session, job_id: int, token: str, progress: float, stage: str,
                    eta_s: float | None) -> bool:
    """Store progress and the heartbeat; False when the job was cancelled or taken from us."""
    updated = session.execute(
        update(PublishJob).where(PublishJob.id == job_id, PublishJob.claim_token == token,
                                 PublishJob.state == "running")
        .values(progress=progress, stage=stage, eta_s=eta_s, heartbeat_at=utcnow())
    ).rowcount
    cancel = session.scalar(select(PublishJob.cancel_requested).where(PublishJob.id == job_id))
    session.commit()
    return bool(updated) and not cancel


def report_cut_path(session, job_id: int, token: str, path: str, reason: str) -> PublishJob | None:
    """Store how the job cuts the video (smart / full and why) and tell the editors."""
    updated = session.execute(
        update(PublishJob).where(PublishJob.id == job_id, PublishJob.claim_token == token,
                                 PublishJob.state == "running")
        .values(cut_path=path, cut_reason=reason[:2000], heartbeat_at=utcnow())
    ).rowcount
    if not updated:
        session.commit()
        return None
    job = session.get(PublishJob, job_id)
    session.refresh(job)
    _job_event(session, job)
    session.commit()
    return job


def finish_job(session, job_id: int, token: str | None, state: str, error: str = "",
               output_path: str = "", duration_s: float | None = None) -> PublishJob | None:
    """End a job we own in done / failed / cancelled; None if it is no longer ours."""
    query = update(PublishJob).where(PublishJob.id == job_id, PublishJob.state == "running")
    if token is not None:
        query = query.where(PublishJob.claim_token == token)
    values = {"state": state, "error": error[:4000], "finished_at": utcnow(), "eta_s": None}
    if state == "done":
        values.update(progress=1.0, output_path=output_path, duration_s=duration_s)
    if not session.execute(query.values(**values)).rowcount:
        return None
    job = session.get(PublishJob, job_id)
    session.refresh(job)
    _job_event(session, job)
    return job


def request_cancel(session, job: PublishJob) -> PublishJob:
    """Cancel a queued job at once; ask the worker running one to stop (it kills ffmpeg)."""
    if job.state == "queued":
        session.execute(update(PublishJob).where(PublishJob.id == job.id, PublishJob.state == "queued")
                        .values(state="cancelled", finished_at=utcnow(), cancel_requested=True))
        session.refresh(job)
        _job_event(session, job)
    elif job.state == "running":
        job.cancel_requested = True
        session.flush()
        _job_event(session, job)
    else:
        raise Conflict(f"任务已结束（{job.state}），无法取消", code="job_finished", state=job.state)
    return job


def _owner_is_dead(token: str | None) -> bool:
    """True when the token's process is certainly gone: on this host and not running, or restarted."""
    try:
        host, pid, boot, _ = (token or "").split(":")
        pid = int(pid)
    except ValueError:
        return True
    if host != HOST:
        return False  # another machine's worker: only its heartbeat can tell
    if pid == os.getpid():
        return boot != BOOT_ID
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_stale_jobs(session, active_tokens: set[str] = frozenset()) -> list[PublishJob]:
    """Requeue (bounded) or fail the running jobs whose worker died; returns the jobs changed."""
    changed = []
    stale_before = utcnow() - timedelta(seconds=STALE_AFTER_S)
    for job in session.scalars(select(PublishJob).where(PublishJob.state == "running")):
        if job.claim_token in active_tokens:
            continue
        heartbeat = job.heartbeat_at or job.started_at or job.created_at
        if not (_owner_is_dead(job.claim_token) or heartbeat < stale_before):
            continue
        if job.cancel_requested:
            values = {"state": "cancelled", "finished_at": utcnow(), "error": "发布进程中断时任务已被取消"}
        elif job.attempts < MAX_ATTEMPTS:
            values = {"state": "queued", "claim_token": None, "progress": 0.0, "stage": "", "eta_s": None,
                      "error": f"第 {job.attempts} 次运行时发布进程中断，已重新排队"}
        else:
            values = {"state": "failed", "finished_at": utcnow(), "eta_s": None,
                      "error": f"发布进程在处理中中断，已尝试 {job.attempts} 次，不再重试"}
        moved = session.execute(update(PublishJob).where(PublishJob.id == job.id, PublishJob.state == "running",
                                                         PublishJob.claim_token == job.claim_token)
                                .values(**values)).rowcount
        if moved:
            session.refresh(job)
            _job_event(session, job)
            changed.append(job)
    session.commit()
    return changed
