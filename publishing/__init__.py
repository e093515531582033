"""Post-production and the portal archive: recordings, the edit decision, publishing jobs, archive."""
from __future__ import annotations

import os

from flask import Flask

from studio.platform.areas import lazy_public_names

# Public to other areas (imported on first use: studio.platform.areas).
__getattr__ = lazy_public_names(__name__, {
    "publish_text_only": "jobs",   # openday publishes its activity report as a text item
    "job_json": "jobs",            # … and answers with the job it queued
    "published_entries": "archive",  # the programme's series pages list published interviews
    "feed_xml": "archive",         # … and give each series a feed like the archive's
})


def init_app(app: Flask) -> None:
    """Attach publishing routes, commands and (when this process serves) the job worker."""
    from studio.platform.events import register_event_types

    from . import cli, jobs, routes  # noqa: F401
    from .event_types import EVENT_TYPES

    register_event_types(EVENT_TYPES)

    app.register_blueprint(routes.bp)
    cli.register_commands(app)
    # Flask's CLI sets FLASK_RUN_FROM_CLI for every command: `db upgrade` or `publish` must not
    # start a second worker. The server (python server.py) runs one unless WORKER=external.
    if not app.config.get("TESTING") and app.config.get("WORKER", "inprocess") != "external" \
            and os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        from .worker import start_background_worker
        app.extensions["publishing_worker_stop"] = start_background_worker(app)
