"""The daily digest reaches a real SMTP server (aiosmtpd, started by the test)."""
from __future__ import annotations

import email
import email.policy
import socket

import pytest

from .conftest import at


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_digest_reaches_a_real_smtp_server(app, admin, pukou, clock, smtp_server):
    inbox, port = smtp_server
    admin.patch(f"/api/interviews/{pukou[0]}", json={"liaison_name": "赵强", "liaison_email": "zhao@example.gov.cn"})
    admin.patch(f"/api/interviews/{pukou[1]}", json={"liaison_email": "sun@example.gov.cn"})
    clock.now = at("2024-03-06 08:00")  # interview 1: preview overdue, questions open due; interview 2: none due
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    listed = admin.get("/api/digest").get_json()
    assert listed["recipients"] == {"zhao@example.gov.cn": 2} and listed["smtp"] is True

    from studio.platform.db import Session
    from studio.programme import digest
    with app.app_context():
        sent = digest.send_digest(Session(), app.config, now=clock.now)
    assert sent == {"zhao@example.gov.cn": 2}
    assert len(inbox.messages) == 1
    rcpts, message = inbox.messages[0]
    assert rcpts == ["zhao@example.gov.cn"]
    assert "2 项待办" in message["Subject"] and "1 项已逾期" in message["Subject"]
    body = message.get_content()
    assert "【已逾期】全民消防安全宣传教育 — 发布预告，截止 2024-03-02 09:30" in body
    assert "开始征集提问" in body

    # Without SMTP_URL nothing is sent, the list stays.
    app.config["SMTP_URL"] = None
    with app.app_context():
        assert digest.send_digest(Session(), app.config, now=clock.now) == {}
    assert len(inbox.messages) == 1


def test_digest_command_sends(app, admin, pukou, smtp_server):
    inbox, port = smtp_server
    admin.patch(f"/api/interviews/{pukou[0]}", json={"liaison_email": "zhao@example.gov.cn"})
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    # The command uses the real clock (2026): every 2024 deadline not done is overdue.
    result = app.test_cli_runner().invoke(args=["programme", "digest"])
    assert result.exit_code == 0, result.output
    assert "sent zhao@example.gov.cn: 6" in result.output
    assert len(inbox.messages) == 1
