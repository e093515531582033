"""Accounts and security: argon2, the session cookie, CSRF, the /studio socket, throttling,
logout and disabling, the first-admin hint, the generated SECRET_KEY, account management."""
from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import select

from studio.platform.db import Session, utcnow
from studio.platform.models import LoginFailure, User, UserSession
from tests.conftest import PASSWORD, StaffClient


def login_raw(client, username, password=PASSWORD, ip="127.0.0.1"):
    return client.post("/api/session", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def session_cookie(client):
    cookie = client.get_cookie("fangtan_session")
    return cookie.value if cookie else None


# ---- passwords and the cookie ---------------------------------------------------------------

def test_passwords_are_argon2_hashes(app, users):
    with app.app_context():
        hashes = [u.password_hash for u in Session().scalars(select(User))]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)


def test_session_cookie_is_httponly_samesite_and_random(client, users):
    resp = login_raw(client, "host")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["role"] == "host" and body["user"]["username"] == "host" and len(body["csrf_token"]) >= 32
    header = resp.headers["Set-Cookie"]
    assert header.startswith("fangtan_session=")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    token = session_cookie(client)
    assert len(token) >= 40
    with client.application.app_context():  # only a hash of the token is stored
        stored = Session().scalars(select(UserSession.token_hash)).all()
    assert token not in stored and len(stored) == 1


def test_wrong_password_and_unknown_user_answer_alike(client, users):
    for name, password in (("host", "wrong-password"), ("nobody", PASSWORD)):
        resp = login_raw(client, name, password)
        assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "invalid_credentials"
    assert "Set-Cookie" not in login_raw(client, "host", "wrong-password").headers


@pytest.mark.parametrize("body", [None, "[]", '{"username": 1, "password": "x"}', '{"username": "host"}', "{bad json"])
def test_malformed_login_is_a_clear_400(client, users, body):
    resp = client.post("/api/session", data=body, content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"].startswith("invalid")


# ---- CSRF -----------------------------------------------------------------------------------

@pytest.mark.parametrize("method,url,body", [
    ("POST", "/api/interviews", {"title": "x"}),
    ("PATCH", "/api/interviews/{id}", {"title": "x"}),
    ("POST", "/api/interviews/{id}/state", {"state": "live"}),
    ("POST", "/api/users", {"username": "new", "password": "long-enough-1", "role": "host"}),
    ("PATCH", "/api/users/1", {"display_name": "x"}),
    ("DELETE", "/api/session", None),
])
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_staff_writes_without_the_csrf_token_are_refused(admin, interview, method, url, body, token):
    headers = {"X-CSRF-Token": token} if token else {}
    resp = admin.open(method, url.format(id=interview["id"]), json=body, csrf=False, headers=headers)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"
    assert admin.get("/api/session").status_code == 200  # nothing happened, still logged in


def test_csrf_token_is_accepted_as_a_form_field(admin):
    resp = admin.post("/api/plans/import", csrf=False, data={"csrf_token": admin.csrf, "year": "2024"},
                      content_type="multipart/form-data")
    assert resp.get_json()["error"]["code"] == "missing_file"  # got past CSRF to the view


def test_a_token_of_another_session_does_not_pass(login, interview):
    admin, host = login("admin"), login("host")
    resp = admin.post("/api/interviews", json={"title": "x"}, csrf=False, headers={"X-CSRF-Token": host.csrf})
    assert resp.status_code == 403


# ---- the /studio socket ---------------------------------------------------------------------

def test_studio_socket_needs_a_session(app, interview):
    from studio.platform.extensions import socketio

    anonymous = socketio.test_client(app, namespace="/studio")
    assert not anonymous.is_connected("/studio")


def test_studio_socket_refuses_a_foreign_origin(app, users, interview):
    from studio.platform.extensions import socketio

    staff = StaffClient(app, "host").client
    foreign = socketio.test_client(app, namespace="/studio", flask_test_client=staff,
                                   headers={"Origin": "https://evil.example"})
    assert not foreign.is_connected("/studio")
    own = socketio.test_client(app, namespace="/studio", flask_test_client=staff,
                               headers={"Origin": "http://localhost"})
    assert own.is_connected("/studio")
    ack = own.emit("join", {"interview_id": interview["id"]}, callback=True, namespace="/studio")
    assert ack["ok"] and "snapshot" in ack
    own.disconnect(namespace="/studio")



# ---- throttling -----------------------------------------------------------------------------

@pytest.fixture
def app_config(app_config):
    app_config["LOGIN_MAX_FAILURES"] = 3
    app_config["LOGIN_MAX_USERNAMES_PER_IP"] = 3
    return app_config


def test_failed_logins_per_username_are_throttled_with_retry_after(client, users):
    for n in range(3):  # from three different addresses: the username is what is counted
        assert login_raw(client, "moderator", "wrong-password", ip=f"10.0.0.{n}").status_code == 401
    resp = login_raw(client, "moderator", PASSWORD, ip="10.0.0.99")  # even the right password waits
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "login_throttled"
    assert 1 <= int(resp.headers["Retry-After"]) <= 3
    assert login_raw(client, "host", ip="10.0.0.99").status_code == 200  # other accounts unaffected


def test_hammering_one_account_never_locks_out_a_colleague_behind_the_same_address(app, client, users,
                                                                                  monkeypatch):
    """A media center behind one NAT: an attacker (or a forgetful colleague) hammers A from X."""
    import studio.platform.auth as auth

    for _ in range(20):
        assert login_raw(client, "moderator", "wrong-password", ip="10.7.7.7").status_code in (401, 429)
    assert login_raw(client, "host", ip="10.7.7.7").status_code == 200          # B, same address
    assert login_raw(client, "director", "wrong-password", ip="10.7.7.7").status_code == 401  # no 429
    assert login_raw(client, "moderator", ip="10.7.7.7").status_code == 429     # A itself waits...
    later = utcnow() + timedelta(seconds=app.config["LOGIN_WINDOW_SECONDS"])
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert login_raw(client, "moderator", ip="10.7.7.7").status_code == 200     # ...then gets in


def test_many_usernames_from_one_address_are_throttled_but_not_a_correct_unfailed_login(client, users):
    """Credential stuffing: more than LOGIN_MAX_USERNAMES_PER_IP (3) different usernames fail."""
    for name in ("admin", "host", "director", "nobody-1"):
        assert login_raw(client, name, "wrong-password", ip="10.9.9.9").status_code == 401
    resp = login_raw(client, "nobody-2", "wrong-password", ip="10.9.9.9")
    assert resp.status_code == 429 and "Retry-After" in resp.headers
    assert resp.get_json()["error"]["code"] == "login_throttled"
    # An account that failed from here is refused before its password is even checked...
    assert login_raw(client, "host", ip="10.9.9.9").status_code == 429
    # ...one that has not failed logs in with its correct password; other addresses are untouched.
    assert login_raw(client, "publisher", ip="10.9.9.9").status_code == 200
    assert login_raw(client, "host", ip="10.9.9.10").status_code == 200


def test_the_wait_doubles_and_then_expires(app, client, users, monkeypatch):
    import studio.platform.auth as auth

    for _ in range(3):
        login_raw(client, "director", "wrong-password")
    first = int(login_raw(client, "director").headers["Retry-After"])
    monkeypatch.setattr(auth, "utcnow", lambda: utcnow() + timedelta(seconds=first + 1))
    assert login_raw(client, "director", "wrong-password").status_code == 401  # a 4th failure
    later = login_raw(client, "director")
    assert later.status_code == 429 and int(later.headers["Retry-After"]) >= 2 * first - 1
    monkeypatch.setattr(auth, "utcnow", lambda: utcnow() + timedelta(seconds=first + 20))
    assert login_raw(client, "director").status_code == 200
    with app.app_context():  # a success forgets the username's failures
        assert not Session().scalars(select(LoginFailure).where(LoginFailure.username == "director")).all()


def test_old_failures_are_pruned(app, client, users):
    with app.app_context():
        session = Session()
        session.add(LoginFailure(username="old", ip="1.1.1.1", at=utcnow() - timedelta(days=2)))
        session.commit()
    login_raw(client, "host", "wrong-password")
    with app.app_context():
        assert [f.username for f in Session().scalars(select(LoginFailure))] == ["host"]


# ---- logout, disabling, password reset, expiry ---------------------------------------------

def test_logout_invalidates_the_cookie_on_the_server(app, users):
    staff = StaffClient(app, "feed_editor")
    token = session_cookie(staff.client)
    assert staff.delete("/api/session").status_code == 200
    replay = app.test_client()
    replay.set_cookie("fangtan_session", token)
    resp = replay.get("/api/session")
    assert resp.status_code == 401
    assert replay.post("/api/interviews", json={"title": "x"}).status_code == 401


def test_a_disabled_account_stops_working_at_once(app, admin, users, interview):
    from studio.platform.extensions import socketio

    host = StaffClient(app, "host")
    sock = socketio.test_client(app, namespace="/studio", flask_test_client=host.client)
    assert sock.emit("join", {"interview_id": interview["id"]}, callback=True, namespace="/studio")["ok"]
    resp = admin.patch(f"/api/users/{users['host']}", json={"active": False})
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert host.get("/api/session").status_code == 401
    assert host.post(f"/api/interviews/{interview['id']}/state", json={"state": "live"}).status_code == 401
    assert not sock.is_connected("/studio")  # the open staff socket was dropped
    with app.app_context():
        assert not Session().scalars(select(UserSession).where(UserSession.user_id == users["host"])).all()
    assert login_raw(app.test_client(), "host").status_code == 401
    # enabled again: may log in again (old sessions stay ended)
    assert admin.patch(f"/api/users/{users['host']}", json={"active": True}).status_code == 200
    assert host.get("/api/session").status_code == 401
    assert login_raw(app.test_client(), "host").status_code == 200


def test_a_password_reset_ends_sessions_and_the_new_password_works(app, admin, users):
    director = StaffClient(app, "director")
    assert admin.patch(f"/api/users/{users['director']}", json={"password": "a-brand-new-pass"}).status_code == 200
    assert director.get("/api/session").status_code == 401
    assert login_raw(app.test_client(), "director").status_code == 401
    assert login_raw(app.test_client(), "director", "a-brand-new-pass").status_code == 200


def test_an_expired_session_is_refused(app, users):
    staff = StaffClient(app, "publisher")
    with app.app_context():
        session = Session()
        for row in session.scalars(select(UserSession)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    assert staff.get("/api/session").status_code == 401


# ---- accounts API ---------------------------------------------------------------------------

def test_admin_creates_lists_and_changes_accounts(app, admin, users):
    resp = admin.post("/api/users", json={"username": "wang", "display_name": "王编辑", "role": "feed_editor",
                                          "password": "feed-editor-pw"})
    assert resp.status_code == 201
    made = resp.get_json()
    assert made["role"] == "feed_editor" and made["active"] is True and "password_hash" not in made
    listed = admin.get("/api/users").get_json()
    assert "wang" in [u["username"] for u in listed["users"]] and "feed_editor" in listed["roles"]
    assert login_raw(app.test_client(), "wang", "feed-editor-pw").status_code == 200
    changed = admin.patch(f"/api/users/{made['id']}", json={"role": "moderator", "display_name": "王审核"})
    assert changed.get_json()["role"] == "moderator" and changed.get_json()["display_name"] == "王审核"


@pytest.mark.parametrize("body,status,code", [
    ({"username": "host", "password": "long-enough-1", "role": "host"}, 409, "user_exists"),
    ({"username": "x", "password": "short", "role": "host"}, 400, "weak_password"),
    ({"username": "x", "password": "p" * 201, "role": "host"}, 400, "too_long"),
    ({"username": "x", "password": "long-enough-1", "role": "superuser"}, 400, "invalid_role"),
    ({"username": "a b", "password": "long-enough-1", "role": "host"}, 400, "invalid_username"),
    ({"username": "a\u0000b", "password": "long-enough-1", "role": "host"}, 400, "invalid_username"),
    ({"username": "", "password": "long-enough-1", "role": "host"}, 400, "invalid_username"),
    ({"username": "u" * 81, "password": "long-enough-1", "role": "host"}, 400, "invalid_username"),
    ({"username": 5, "password": "long-enough-1", "role": "host"}, 400, "missing_field"),
    ({"password": "long-enough-1", "role": "host"}, 400, "missing_field"),
    ({"username": "x", "password": "long-enough-1", "role": "host", "display_name": ["x"]}, 400, "invalid_field"),
])
def test_bad_account_input_is_a_clear_4xx(admin, body, status, code):
    resp = admin.post("/api/users", json=body)
    assert resp.status_code == status and resp.get_json()["error"]["code"] == code


@pytest.mark.parametrize("body,status,code", [
    ({"active": False}, 403, "cannot_disable_self"),
    ({"role": "host"}, 403, "cannot_change_own_role"),
    ({"active": "no"}, 400, "invalid_field"),
    ({"is_admin": True}, 400, "invalid_field"),
    ({"display_name": ""}, 400, "invalid_display_name"),
])
def test_an_admin_cannot_lock_themselves_out(admin, users, body, status, code):
    resp = admin.patch(f"/api/users/{users['admin']}", json=body)
    assert resp.status_code == status and resp.get_json()["error"]["code"] == code
    assert admin.get("/api/session").status_code == 200


def test_unknown_account_is_404(admin):
    assert admin.patch("/api/users/9999", json={"active": False}).status_code == 404
    assert admin.patch("/api/users/99999999999999999999999", json={"active": False}).status_code == 404


# ---- command line: first-admin hint, user create --------------------------------------------

def test_user_hint_tells_how_to_create_the_first_admin(app):
    runner = app.test_cli_runner()
    empty = runner.invoke(args=["user", "hint"])
    assert empty.exit_code == 0 and "flask --app server user create admin --role admin" in empty.output
    created = runner.invoke(args=["user", "create", "chief", "--role", "admin"], input="chief-password\n")
    assert created.exit_code == 0 and "created chief (admin)" in created.output
    assert runner.invoke(args=["user", "hint"]).output.strip() == ""


def test_make_run_prints_the_hint_before_serving():
    makefile = open(os.path.join(os.path.dirname(__file__), "..", "Makefile")).read()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert run_recipe.index("user hint") < run_recipe.index("server.py")


def test_user_create_rejects_a_short_password(app):
    result = app.test_cli_runner().invoke(args=["user", "create", "x", "--role", "host"], input="short\n")
    assert result.exit_code != 0 and "8" in result.output


# ---- SECRET_KEY -----------------------------------------------------------------------------

def test_secret_key_is_generated_once_and_kept_in_data_dir(tmp_path, monkeypatch):
    from studio.platform.config import load_settings

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_settings({"DATA_DIR": str(tmp_path / "a")})
    key_file = tmp_path / "a" / "secret_key"
    assert key_file.exists() and len(first["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings({"DATA_DIR": str(tmp_path / "a")})["SECRET_KEY"] == first["SECRET_KEY"]
    assert load_settings({"DATA_DIR": str(tmp_path / "b")})["SECRET_KEY"] != first["SECRET_KEY"]
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert load_settings({"DATA_DIR": str(tmp_path / "a")})["SECRET_KEY"] == "from-the-environment"


def test_production_hashes_are_strong_and_weak_ones_are_upgraded_at_login(app, users):
    from studio.platform import auth

    with app.app_context():
        app.config["TESTING"] = False
        try:
            session = Session()
            strong = auth.create_user(session, "strong", PASSWORD, "host")
            assert "m=65536,t=3" in strong.password_hash
            weak = session.get(User, users["host"])
            assert "m=1024,t=1" in weak.password_hash  # made by the test hasher
            auth.authenticate(session, "host", PASSWORD, "127.0.0.1")
            assert "m=65536,t=3" in weak.password_hash
            session.rollback()
        finally:
            app.config["TESTING"] = True


def test_login_page_redirects_when_already_logged_in(client, login):
    assert client.get("/login").status_code == 200
    resp = login("host").get("/login")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/")


def test_expired_sessions_are_dropped_at_the_next_login(app, users):
    StaffClient(app, "host")
    with app.app_context():
        session = Session()
        for row in session.scalars(select(UserSession)):
            row.expires_at = utcnow() - timedelta(hours=1)
        session.commit()
    StaffClient(app, "host")
    with app.app_context():
        assert len(Session().scalars(select(UserSession)).all()) == 1


@pytest.mark.integration
def test_real_server_socket_origin_and_disabling(live_server):
    """Against the real eventlet server: the staff socket checks session and Origin, and a
    disabled account's open socket is dropped at once."""
    import socketio as sio
    import time

    admin = live_server.session("admin")
    host = live_server.session("host")
    iid = admin.post(f"{live_server.url}/api/interviews", json={"title": "安全检查", "state": "preview"}).json()["id"]
    cookie = f"fangtan_session={host.cookies.get('fangtan_session')}"

    def connect(headers):
        client = sio.Client(reconnection=False)
        try:
            # polling: websocket-client adds an Origin header of its own, which would be sent twice
            client.connect(live_server.url, namespaces=["/studio"], headers=headers, transports=["polling"],
                           wait_timeout=10)
        except sio.exceptions.ConnectionError:
            return None
        return client

    assert connect({}) is None                                           # no session
    assert connect({"Cookie": cookie, "Origin": "https://evil.example"}) is None
    own = connect({"Cookie": cookie, "Origin": live_server.url})
    assert own is not None
    ack = own.call("join", {"interview_id": iid}, namespace="/studio", timeout=10)
    assert ack["ok"]
    hid = [u for u in admin.get(f"{live_server.url}/api/users").json()["users"] if u["username"] == "host"][0]["id"]
    assert admin.patch(f"{live_server.url}/api/users/{hid}", json={"active": False}).status_code == 200
    deadline = time.time() + 10
    while own.connected and time.time() < deadline:
        time.sleep(0.1)
    assert not own.connected
    assert host.get(f"{live_server.url}/api/session").status_code == 401


def test_static_and_vendor_files_need_no_session_lookup(app, login, monkeypatch):
    """A staff page pulls many files; they are the same for everyone, so none looks up the session."""
    from studio.platform import auth

    staff = login("moderator")
    calls = []
    real = auth.resolve_session
    monkeypatch.setattr(auth, "resolve_session", lambda *a: calls.append(a) or real(*a))
    assert staff.get("/static/js/live.js").status_code == 200
    staff.get("/vendor/socket.io.min.js")
    assert calls == []
    assert staff.get("/api/session").status_code == 200 and len(calls) == 1
