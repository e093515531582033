"""The OBS connection owner's stats poll: GetStats / GetStreamStatus / GetRecordStatus about once a second.

A mixin of ObsOwner (owner.py): the figures for the director, and a request that notices a
silently dead connection within seconds.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from studio.platform.db import utcnow

from . import services
from .client import ObsConnectionLost, ObsError

log = logging.getLogger(__name__)

POLL_S = 1.0
POLL_TIMEOUT_S = 3.0  # a poll unanswered this long means the connection is dead


class ObsStatsPolling:
    """The poll runs on a thread of its own; its answer comes back through the owner's inbox."""

    def _start_poll(self) -> None:
        """Stats for the director, and proof the connection still answers.

        The request runs on a thread of its own and its answer comes back through the inbox:
        waiting up to POLL_TIMEOUT_S for OBS must not hold up commands and events meanwhile.
        """
        conn = self.conn
        self.poll_in_flight = True

        def ask():
            try:
                answer = conn.batch([("GetStats", {}), ("GetStreamStatus", {}), ("GetRecordStatus", {})],
                                    halt_on_failure=False, timeout=POLL_TIMEOUT_S)
            except ObsError as exc:
                answer = exc
            self.inbox.put(("stats", conn, answer))

        threading.Thread(target=ask, name="obs-stats", daemon=True).start()

    def _handle_poll(self, conn, answer) -> None:
        if conn is not self.conn:
            return
        self.poll_in_flight = False
        if isinstance(answer, ObsConnectionLost):
            self._lost(f"OBS 无响应：{answer.message}")
            return
        if isinstance(answer, ObsError):
            log.warning("OBS stats poll: %s", answer.message)
            return
        stats, stream, record = answer
        session = self.Session()
        status = services.get_status(session)
        if bool(stream.get("outputActive")) != status.stream_active or \
                bool(record.get("outputActive")) != status.record_active:
            # An event got lost (or is still in the inbox): take OBS's word for it.
            session.rollback()
            if not any(item[0] == "obs" for item in list(self.inbox.queue)):
                self._reload_state()
            return
        status.stats = {
            "active_fps": round(stats.get("activeFps") or 0, 1),
            "cpu_usage": round(stats.get("cpuUsage") or 0, 1),
            "render_skipped_frames": stats.get("renderSkippedFrames", 0),
            "render_total_frames": stats.get("renderTotalFrames", 0),
            "output_skipped_frames": stats.get("outputSkippedFrames", 0),
            "output_total_frames": stats.get("outputTotalFrames", 0),
            "stream_bitrate_kbps": self._bitrate("stream", stream),
            "stream_skipped_frames": stream.get("outputSkippedFrames", 0),
            "stream_total_frames": stream.get("outputTotalFrames", 0),
            "stream_congestion": round(stream.get("outputCongestion") or 0, 3),
            "stream_reconnecting": bool(stream.get("outputReconnecting")),
            "stream_timecode": stream.get("outputTimecode"),
            "record_bitrate_kbps": self._bitrate("record", record),
            "record_timecode": record.get("outputTimecode"),
            "record_bytes": record.get("outputBytes", 0),
            "warnings": _warnings(stats, stream),
        }
        status.lease_until = utcnow() + timedelta(seconds=services.LEASE_TTL_S)
        session.commit()
        self._broadcast(status)

    def _bitrate(self, output: str, figures: dict) -> float | None:
        if not figures.get("outputActive"):
            self.last_bytes.pop(output, None)
            return None
        now, sent = time.monotonic(), int(figures.get("outputBytes") or 0)
        previous = self.last_bytes.get(output)
        self.last_bytes[output] = (now, sent)
        if previous is None or now <= previous[0] or sent < previous[1]:
            return None
        return round((sent - previous[1]) * 8 / 1000 / (now - previous[0]), 1)


def _warnings(stats: dict, stream: dict) -> list[str]:
    """What the director should look at now, in their words."""
    warnings = []
    if (stream.get("outputCongestion") or 0) > 0.3:
        warnings.append("网络拥堵：推流带宽不足")
    if stream.get("outputReconnecting"):
        warnings.append("推流正在重连")
    total, skipped = stream.get("outputTotalFrames") or 0, stream.get("outputSkippedFrames") or 0
    if total and skipped / total > 0.02:
        warnings.append(f"编码丢帧 {skipped}/{total}：CPU 不足，可降低分辨率或码率")
    render_total, render_skipped = stats.get("renderTotalFrames") or 0, stats.get("renderSkippedFrames") or 0
    if render_total and render_skipped / render_total > 0.02:
        warnings.append(f"渲染跳帧 {render_skipped}/{render_total}")
    if (stats.get("cpuUsage") or 0) > 90:
        warnings.append("OBS CPU 占用过高")
    return warnings
