"""Policy explainers (政策文件视频解读, issue 13 item 1): an interview of kind `policy_video` is
recorded (or uploaded) without a live; its script is the caption source. The publisher times
each script line on the editor page (a key press as each sentence starts); publishing remaps the
timed lines through the cut like feed-made captions (publishing asks signals.timed_script, which
`services.timed_script_lines` answers).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from studio.platform.signals import timed_script

    from . import routes, services

    if "policy" not in app.blueprints:
        app.register_blueprint(routes.bp)
    timed_script.connect(services.timed_script_lines)
