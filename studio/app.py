"""The product: the platform (studio.platform) with its areas, in the order they attach.

Every area is a package with an `init_app(app)`; areas talk through studio.platform.signals
and the event log, and import from one another only a package's public names or its models.
"""
from __future__ import annotations

from studio.platform.app import VENDOR_FILES, _socketio_channel  # noqa: F401  (public to the CLI, tests)
from studio.platform.app import create_app as _create_platform_app

AREAS = (
    "studio.interviews",   # interviews: the plan rows that become live programmes, the admin pages
    "studio.feed",         # the live text feed (图文直播) and the viewer page
    "studio.plans",        # the annual plan import
    "studio.obs",          # OBS Studio over obs-websocket v5: the one connection owner
    "studio.cues",         # the host's cue cards
    "moderation",          # the question queue
    "publishing",          # cut, publish, the archive (访谈回顾)
    "studio.programme",    # the year's programme (deadlines, series, assessment)
    "studio.openday",      # 政府开放日: registration, questionnaires, report
    "studio.venues",       # 主会场 + N
    "studio.policy",       # 政策解读: timed captions
    "studio.fanout",       # PUBLIC_FANOUT=nchan, `flask deploy nginx-conf`
)


def create_app(config: dict | None = None):
    return _create_platform_app(config, AREAS)
