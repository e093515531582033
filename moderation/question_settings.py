"""An interview's question settings: post answered questions to the feed, days for a written reply."""
from __future__ import annotations

from studio.platform.errors import ValidationError
from studio.platform.models import User

from .audit import record_audit
from .models import QuestionSettings


DEFAULT_REPLY_DAYS = 15
REJECT_REASONS = ("与访谈主题无关", "重复提问", "含有不文明用语", "涉及个人隐私", "内容不完整", "广告或无意义内容")


def get_settings(session, interview_id: int) -> QuestionSettings:
    settings = session.get(QuestionSettings, interview_id)
    return settings or QuestionSettings(interview_id=interview_id, post_answered_to_feed=False,
                                        reply_days=DEFAULT_REPLY_DAYS)


def settings_json(settings: QuestionSettings) -> dict:
    return {"interview_id": settings.interview_id, "post_answered_to_feed": bool(settings.post_answered_to_feed),
            "reply_days": settings.reply_days or DEFAULT_REPLY_DAYS, "reject_reasons": list(REJECT_REASONS)}


def update_settings(session, interview_id: int, body: dict, user: User) -> QuestionSettings:
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    settings = session.get(QuestionSettings, interview_id)
    if settings is None:
        settings = QuestionSettings(interview_id=interview_id, post_answered_to_feed=False,
                                    reply_days=DEFAULT_REPLY_DAYS)
        session.add(settings)
    before = settings_json(settings)
    if "post_answered_to_feed" in body:
        if not isinstance(body["post_answered_to_feed"], bool):
            raise ValidationError("post_answered_to_feed 必须是 true/false", code="invalid_field")
        settings.post_answered_to_feed = body["post_answered_to_feed"]
    if "reply_days" in body:
        days = body["reply_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise ValidationError("reply_days 必须是 1–365 的整数", code="invalid_field", field="reply_days")
        settings.reply_days = days
    session.flush()
    record_audit(session, user, None, "settings", before, settings_json(settings), interview_id=interview_id)
    return settings
