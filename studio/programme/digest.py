"""The daily digest: each liaison e-mail gets the due and overdue deadlines of its interviews.
Sent with smtplib to SMTP_URL; the same list is shown in the admin."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select

from studio.platform.db import utcnow
from studio.platform.errors import ValidationError
from studio.platform.models import Interview
from .deadlines import STATE_LABELS, interview_deadlines


def digest_items(session, settings, now=None) -> list[dict]:
    """Due and overdue deadlines of every interview not yet finished, overdue first."""
    now = now or utcnow()
    items = []
    for interview in session.scalars(select(Interview).order_by(Interview.id)):
        for d in interview_deadlines(session, interview, settings, now):
            if d.state in ("due", "overdue"):
                items.append({**d.as_json(), "interview_id": interview.id, "title": interview.title,
                              "email": (interview.liaison_email or "").strip(),
                              "liaison": interview.liaison_name})
    return sorted(items, key=lambda i: (i["state"] != "overdue", i["due_at"] or ""))


def by_recipient(items: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for item in items:
        if item["email"]:
            groups.setdefault(item["email"], []).append(item)
    return groups


def message_for(address: str, items: list[dict], sender: str) -> EmailMessage:
    msg = EmailMessage()
    overdue = sum(i["state"] == "overdue" for i in items)
    msg["Subject"] = f"访谈工作提醒：{len(items)} 项待办" + (f"（{overdue} 项已逾期）" if overdue else "")
    msg["From"], msg["To"] = sender, address
    msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid(domain="fangtan")
    lines = ["您好，以下访谈工作即将到期或已逾期：", ""]
    for i in items:
        lines.append(f"【{STATE_LABELS[i['state']]}】{i['title']} — {i['label']}，截止 {(iso_local(i['due_at']))}")
    lines += ["", "此邮件由访谈直播间每日自动发送。"]
    msg.set_content("\n".join(lines))
    return msg


def iso_local(value: str | None) -> str:
    return (value or "")[:16].replace("T", " ")


def parse_smtp_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValidationError("SMTP_URL 应为 smtp://host:port 或 smtps://host:port", code="invalid_smtp_url")
    query = parse_qs(parts.query)
    return {"ssl": parts.scheme == "smtps", "host": parts.hostname,
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "user": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "starttls": query.get("starttls", ["0"])[0] in ("1", "true", "yes")}


def send_digest(session, settings, now=None) -> dict[str, int]:
    """Send one message per liaison address; {address: items}. Nothing is sent without SMTP_URL."""
    groups = by_recipient(digest_items(session, settings, now))
    url = settings.get("SMTP_URL")
    if not url or not groups:
        return {}
    conf = parse_smtp_url(url)
    cls = smtplib.SMTP_SSL if conf["ssl"] else smtplib.SMTP
    with cls(conf["host"], conf["port"], timeout=30) as smtp:
        if conf["starttls"]:
            smtp.starttls()
        if conf["user"]:
            smtp.login(conf["user"], conf["password"] or "")
        for address, items in groups.items():
            smtp.send_message(message_for(address, items, settings.get("SMTP_FROM") or "fangtan@localhost"))
    return {address: len(items) for address, items in groups.items()}

