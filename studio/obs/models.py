"""OBS tables: the shared status row (with the connection lease) and the command queue.

Several server processes may serve one studio, but only one of them may hold the websocket to
OBS. That one holds the lease in `obs_status` (owner_token + lease_until, renewed every couple
of seconds) and keeps the row current; every process reads OBS's state from the row, and
writes to OBS by storing an `obs_commands` row that the owner executes and answers (the row is
the record; bus.py carries it to the owner).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from studio.platform.db import Base, UTCDateTime, utcnow

STATUS_ROW_ID = 1


class ObsStatus(Base):
    """The one row describing the studio's OBS, as last seen by the connection owner."""

    __tablename__ = "obs_status"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The connection lease: a process may talk to OBS only while its token is here and in date.
    owner_token: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected: Mapped[bool] = mapped_column(Boolean, default=False)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connect_attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str] = mapped_column(String(40), default="")
    error_message: Mapped[str] = mapped_column(String(500), default="")
    obs_version: Mapped[str] = mapped_column(String(40), default="")
    websocket_version: Mapped[str] = mapped_column(String(40), default="")
    available_requests: Mapped[list] = mapped_column(JSON, default=list)
    scenes: Mapped[list] = mapped_column(JSON, default=list)
    program_scene: Mapped[str | None] = mapped_column(String(200))
    stream_active: Mapped[bool] = mapped_column(Boolean, default=False)
    stream_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stream_interview_id: Mapped[int | None] = mapped_column(Integer)
    record_active: Mapped[bool] = mapped_column(Boolean, default=False)
    record_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Wall clock at timecode 0 of the running recording, and the pauses so far: with these any
    # process computes the recording's timecode without asking OBS (see services.record_timecode).
    record_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    record_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    record_paused_total_s: Mapped[float] = mapped_column(Float, default=0.0)
    record_interview_id: Mapped[int | None] = mapped_column(Integer)
    last_record_path: Mapped[str] = mapped_column(String(1000), default="")
    # {"lower_third": {...}, "question": {...}}: what the overlays show and whether they are on.
    overlays: Mapped[dict] = mapped_column(JSON, default=dict)
    # The owner's last GetStats / GetStreamStatus / GetRecordStatus figures (bitrate, frames...).
    stats: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ObsCommand(Base):
    """A request to OBS from any process, executed in order by the connection owner."""

    __tablename__ = "obs_commands"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending/running/done/failed
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[dict] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The owner that claimed it (pending -> running, one conditional UPDATE) and when: it alone
    # executes it; a claim whose owner died is failed by the next owner, never run again.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
