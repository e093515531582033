"""Every moderation action × every role and the public: who may, who is refused (401/403)."""
import pytest

from moderation.permissions import PERMISSIONS
from tests.conftest import StaffClient

ROLES = ("admin", "host", "moderator", "director", "feed_editor", "publisher")
PUBLIC = "public"
EVERYONE = set(ROLES) | {PUBLIC}
STAFF = set(ROLES)


def G(permission: str) -> frozenset[str]:
    """The roles moderation's permission table grants `permission` (its routes and sockets read it too)."""
    return PERMISSIONS[permission].granted


# (name, method, url template, body, who may). {i}: interview, {q}: a pending question.
ACTIONS = [
    ("submit question", "POST", "/api/interviews/{i}/questions", {"text": "权限矩阵提问{n}"}, EVERYONE),
    ("receipt lookup", "GET", "/api/questions/receipt/{r}", None, EVERYONE),
    ("public list", "GET", "/api/interviews/{i}/questions/public", None, EVERYONE),
    ("screening list", "GET", "/api/interviews/{i}/questions?status=pending", None, G("read_questions")),
    ("one question", "GET", "/api/questions/{q}", None, G("read_questions")),
    ("similar", "GET", "/api/questions/{q}/similar", None, G("screen_questions")),
    ("approve", "POST", "/api/questions/{q}/approve", {}, G("screen_questions")),
    ("reject", "POST", "/api/questions/{q}/reject", {"reason": "x"}, G("screen_questions")),
    ("edit", "PATCH", "/api/questions/{q}", {"text": "修改后的问题文字"}, G("screen_questions")),
    ("merge", "POST", "/api/questions/{q}/merge", {"into": 0}, G("screen_questions")),
    ("push", "POST", "/api/questions/{q}/push", {}, G("screen_questions")),
    ("unpush", "POST", "/api/questions/{q}/unpush", {}, G("screen_questions")),
    ("on air", "POST", "/api/questions/{q}/on-air", {}, G("answer_questions")),
    ("answered", "POST", "/api/questions/{q}/answered", {}, G("answer_questions")),
    ("claim", "POST", "/api/questions/{q}/claim", {}, G("screen_questions")),
    ("release", "POST", "/api/questions/{q}/release", {}, G("screen_questions")),
    ("bulk", "POST", "/api/interviews/{i}/questions/bulk", {"ids": [0], "action": "approve"}, G("screen_questions")),
    ("queue order", "PUT", "/api/interviews/{i}/queue", {"order": []}, G("order_queue")),
    ("read settings", "GET", "/api/interviews/{i}/question-settings", None, G("read_question_settings")),
    ("change settings", "PUT", "/api/interviews/{i}/question-settings", {"reply_days": 15}, G("change_question_settings")),
    ("export", "GET", "/api/interviews/{i}/questions/export?format=csv", None, G("export_questions")),
    ("read word list", "GET", "/api/wordlist", None, G("manage_wordlist")),
    ("replace word list", "PUT", "/api/wordlist", "赌博\n", G("manage_wordlist")),
    ("audit", "GET", "/api/audit", None, G("read_audit")),
    ("replies", "GET", "/api/replies", None, G("handle_replies")),
    ("assign reply", "PATCH", "/api/questions/{q}/reply-assignment", {"unit_id": None}, G("handle_replies")),
    ("save reply", "PUT", "/api/questions/{q}/reply", {"text": "答复"}, G("handle_replies")),
]
PAGES = [
    ("/studio/{i}/moderation", G("screen_questions")),
    ("/admin/wordlist", G("manage_wordlist")),
    ("/admin/audit", G("read_audit")),
    ("/admin/replies", G("handle_replies")),
]
SOCKET_ACTIONS = [("question.claim", G("screen_questions")), ("question.release", G("screen_questions"))]


@pytest.fixture
def setup(app, users, live_interview, login):
    clients = {role: StaffClient(app, role) for role in ROLES}
    public = app.test_client()
    public.environ_base["REMOTE_ADDR"] = "127.0.0.99"
    clients[PUBLIC] = public
    return clients


def _fresh_question(app, interview_id, n):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"127.0.1.{n % 250 + 1}"
    body = client.post(f"/api/interviews/{interview_id}/questions", json={"text": f"矩阵用问题第{n}号"}).get_json()
    return body["id"], body["receipt"]


def test_http_matrix(app, setup, live_interview):
    app.config["QUESTION_RATE_LIMIT"] = "off"
    iid = live_interview["id"]
    wrong = []
    n = 0
    for name, method, template, body, allowed in ACTIONS:
        for who in (*ROLES, PUBLIC):
            n += 1
            qid, receipt = _fresh_question(app, iid, n)
            url = template.format(i=iid, q=qid, r=receipt, n=n)
            payload = body.format(n=n) if isinstance(body, str) else (
                {k: (v.format(n=n) if isinstance(v, str) else v) for k, v in body.items()} if body else body)
            client = setup[who]
            kwargs = {}
            if isinstance(payload, str):
                kwargs = {"data": payload, "content_type": "text/plain"}
            elif payload is not None:
                kwargs = {"json": payload}
            resp = client.open(url, method=method, **kwargs) if who == PUBLIC else client.open(method, url, **kwargs)
            refused = resp.status_code in (401, 403) and (resp.get_json() or {}).get("error", {}).get("code") in (
                "login_required", "forbidden", "unauthorized")
            if (who in allowed) == refused:
                wrong.append(f"{name} as {who}: {resp.status_code} {resp.get_data(as_text=True)[:120]}")
            if who == PUBLIC and not refused and who not in allowed:
                wrong.append(f"{name} open to the public")
    assert not wrong, "\n".join(wrong)


def test_pages_matrix(setup, live_interview):
    wrong = []
    for template, allowed in PAGES:
        url = template.format(i=live_interview["id"])
        for who in (*ROLES, PUBLIC):
            client = setup[who]
            resp = client.get(url) if who == PUBLIC else client.get(url)
            ok = resp.status_code == 200
            if ok != (who in allowed):
                wrong.append(f"{url} as {who}: {resp.status_code}")
            if who == PUBLIC:
                assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert not wrong, "\n".join(wrong)


def test_socket_matrix(app, socket_client, live_interview):
    qid, _ = _fresh_question(app, live_interview["id"], 7)
    wrong = []
    for action, allowed in SOCKET_ACTIONS:
        for role in ROLES:
            sc = socket_client("/studio", role=role)
            ack = sc.emit(action, {"question_id": qid}, namespace="/studio", callback=True)
            refused = not ack["ok"] and ack["error"]["code"] == "forbidden"
            if refused == (role in allowed):
                wrong.append(f"{action} as {role}: {ack}")
            sc.disconnect(namespace="/studio")
        public = socket_client("/live")
        ack = public.emit(action, {"question_id": qid}, namespace="/live", callback=True)
        if ack is not None:  # not an action on the public namespace at all
            wrong.append(f"{action} answered on /live: {ack}")
    assert not wrong, "\n".join(wrong)
