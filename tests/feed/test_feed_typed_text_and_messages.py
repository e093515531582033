"""Issue 8.6 / 8.1: feed error messages name fields in Chinese, and feed text is stored as typed
(full-width punctuation stays full-width)."""
from __future__ import annotations

import re

import pytest

from studio.platform.errors import ValidationError
from studio.feed.services import MAX_TEXT_CHARS, clean_text

TYPED = "网友“春风”问：老旧小区（2000年前建成）加装电梯，怎么申请？补贴多少！费用；谁出？"
RAW_FIELD = re.compile(r"\b(text|speaker|speaker_name|guest_id|image_id|pinned)\b")


def test_clean_text_keeps_full_width_punctuation():
    assert clean_text(TYPED) == TYPED
    assert clean_text("  ？，！：；（）\u200b  ") == "？，！：；（）"  # trimmed, the zero-width mark gone
    assert clean_text("第一行\r\n\r\n\r\n\r\n第二行：好") == "第一行\n\n第二行：好"


def test_too_long_text_names_the_field_in_chinese():
    with pytest.raises(ValidationError) as err:
        clean_text("长" * (MAX_TEXT_CHARS + 1))
    assert err.value.message.startswith("内容超过 5000 字") and not RAW_FIELD.search(err.value.message)
    assert err.value.extra["field"] == "text"  # the API name stays in the machine-readable part


@pytest.mark.parametrize("body, code", [
    ({"speaker": "host", "text": "长" * 5001}, "too_long"),
    ({"speaker": "host", "text": 5}, "invalid_field"),
    ({"speaker": "boss", "text": "好"}, "invalid_speaker"),
    ({"speaker": "guest", "text": "好"}, "invalid_guest"),
    ({"speaker": "guest", "guest_id": "x", "text": "好"}, "invalid_field"),
    ({"speaker": "host", "text": "好", "image_id": -3}, "invalid_field"),
    ({"speaker": "host", "text": "好", "pinned": "yes"}, "invalid_field"),
])
def test_post_errors_never_show_raw_field_names(post, body, code):
    body = dict(body)
    resp = post(body.pop("text"), body.pop("speaker"), **body)
    assert resp.status_code == 400, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == code
    assert not RAW_FIELD.search(error["message"]), error["message"]
    assert re.search(r"[\u4e00-\u9fff]", error["message"])


def test_posted_and_edited_entries_keep_what_was_typed(post, editor, client, interview):
    entry = post(TYPED).get_json()
    assert entry["text"] == TYPED
    edited = editor.patch(f"/api/feed/{entry['id']}", json={"text": TYPED + "（更正：补贴以公告为准）"}).get_json()
    assert edited["text"] == TYPED + "（更正：补贴以公告为准）"
    public = client.get(f"/api/interviews/{interview['id']}/feed").get_json()
    entries = public["entries"] if isinstance(public, dict) else public
    assert [e["text"] for e in entries] == [TYPED + "（更正：补贴以公告为准）"]
    page = client.get(f"/i/{interview['id']}").get_data(as_text=True)
    assert "老旧小区（2000年前建成）加装电梯，怎么申请？补贴多少！费用；谁出？" in page
