"""Policy explainers (政策文件视频解读, issue 13 item 1): an interview of kind `policy_video` is
recorded (or uploaded) without a live; its script is the caption source. The publisher times
each script line on the editor page (a key press as each sentence starts); publishing remaps the
timed lines through the cut like feed-made captions (publishing/pipeline.py asks
`services.timed_caption_items`).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import routes

    if "policy" not in app.blueprints:
        app.register_blueprint(routes.bp)
