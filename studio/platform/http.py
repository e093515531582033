"""Reading a request: one JSON-body helper, one id bound, typed fields."""
from __future__ import annotations

from flask import request

from .errors import ValidationError

MAX_ID = 2 ** 63 - 1  # the largest value an id column holds


def json_body() -> dict:
    """The request's JSON object body, or a 400 invalid_json."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    return body
