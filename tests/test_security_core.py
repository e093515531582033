"""Issue 16 in the app (no external component): the request body limit and the upload views'
own limits, framing headers (clickjacking), the login page's `next`."""
from __future__ import annotations

import io

import pytest

MB = 1024 * 1024


# ---- request bodies (16.1) ----------------------------------------------------------------------

def test_a_body_over_the_limit_is_refused_before_anything_reads_it(app, client, monkeypatch):
    from flask import Request

    read = []
    monkeypatch.setattr(Request, "get_data", lambda self, *a, **k: read.append(1) or b"")
    resp = client.post("/api/session", data=b"{" * (MB + 1), content_type="application/json")
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "too_large" and "1 MB" in resp.get_json()["error"]["message"]
    assert not read


def test_the_limit_is_a_setting(app_config):
    from studio.app import create_app

    app = create_app({**app_config, "MAX_REQUEST_KB": 4})
    resp = app.test_client().post("/api/session", data=b"x" * 5000, content_type="application/json")
    assert resp.status_code == 413 and "4 KB" in resp.get_json()["error"]["message"]


def test_an_upload_route_refuses_the_anonymous_before_reading_the_body(client, interview):
    big = b"\x00" * (2 * MB)
    for method, url in (("POST", f"/api/interviews/{interview['id']}/images"),
                        ("POST", f"/api/interviews/{interview['id']}/recordings"),
                        ("PUT", f"/api/interviews/{interview['id']}/script"), ("POST", "/api/plans/import"),
                        ("PUT", "/api/wordlist")):
        resp = client.open(url, method=method, data={"file": (io.BytesIO(big), "x.mp4")},
                           content_type="multipart/form-data")
        assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "login_required", url


def test_a_wrong_role_is_refused_before_a_large_upload_is_read(login, interview, monkeypatch):
    from flask import Request

    parsed = []
    monkeypatch.setattr(Request, "_load_form_data", lambda self: parsed.append(1))
    moderator = login("moderator")
    resp = moderator.post(f"/api/interviews/{interview['id']}/recordings", csrf=False,
                          data={"file": (io.BytesIO(b"\x00" * (2 * MB)), "x.mp4")}, content_type="multipart/form-data")
    assert resp.status_code == 403 and not parsed


def test_upload_routes_accept_more_than_the_global_limit_after_the_role_check(login, interview):
    """A 2–3 MB photo (under MAX_UPLOAD_MB = 10) passes the 1 MB global limit on its own route,
    with the CSRF token in the form field instead of the header."""
    import os

    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (900, 900), os.urandom(900 * 900 * 3)).save(buffer, "PNG")
    photo = buffer.getvalue()
    assert len(photo) > 2 * MB
    editor = login("feed_editor")
    url = f"/api/interviews/{interview['id']}/images"
    resp = editor.post(url, csrf=False, data={"file": (io.BytesIO(photo), "现场.png"), "csrf_token": editor.csrf},
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    resp = editor.post(url, csrf=False, data={"file": (io.BytesIO(photo), "现场.png"), "csrf_token": "wrong"},
                       content_type="multipart/form-data")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"
    # JSON on the photo route keeps the global limit (it would be parsed in memory).
    resp = editor.post(url, json={"file": "x" * (2 * MB)})
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"


def test_a_recording_json_body_keeps_the_global_limit(login, interview):
    resp = login("publisher").post(f"/api/interviews/{interview['id']}/recordings",
                                   json={"path": "x" * (2 * MB), "started_at": "2024-04-15T09:30:00+08:00"})
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"


# ---- framing (16.7) -----------------------------------------------------------------------------

def _frame_ancestors(resp) -> str:
    csp = resp.headers.get("Content-Security-Policy", "")
    return next((p.strip() for p in csp.split(";") if p.strip().startswith("frame-ancestors")), "")


def test_staff_pages_and_apis_may_be_framed_only_by_this_site(client, login, interview):
    admin = login("admin")
    for url in ("/login", "/admin/", f"/studio/{interview['id']}/host", f"/studio/{interview['id']}/moderation",
                f"/api/interviews/{interview['id']}", "/api/session", "/healthz"):
        resp = admin.get(url)
        assert _frame_ancestors(resp) == "frame-ancestors 'self'", (url, resp.headers.get("Content-Security-Policy"))
        assert resp.headers["X-Frame-Options"] == "SAMEORIGIN", url
    assert "*" not in _frame_ancestors(client.get("/login"))


def test_only_the_viewer_page_and_archive_may_be_embedded_by_the_portal(app_config, migrated_template):
    import os
    import shutil

    from studio.app import create_app

    os.makedirs(app_config["DATA_DIR"], exist_ok=True)
    shutil.copy(migrated_template, os.path.join(app_config["DATA_DIR"], "fangtan.db"))
    app = create_app({**app_config, "EMBED_ORIGINS": "https://www.example.gov.cn, https://m.example.gov.cn"})
    client = app.test_client()
    for url in ("/i/1", "/archive/"):
        resp = client.get(url)
        assert _frame_ancestors(resp) == \
            "frame-ancestors 'self' https://www.example.gov.cn https://m.example.gov.cn", url
        assert "X-Frame-Options" not in resp.headers, url
    resp = client.get("/login")
    assert _frame_ancestors(resp) == "frame-ancestors 'self'" and resp.headers["X-Frame-Options"] == "SAMEORIGIN"


# ---- the login page's next (16.4) ---------------------------------------------------------------

@pytest.mark.parametrize("bad", ["/\t/evil.example/", "/\n/evil", "/\r\n/evil", "//evil", "\\\\evil", "/\\evil",
                                 "https://evil", "evil", "", None, "/ok\x00", "/\u2028/evil", "/ /evil"])
def test_safe_next_refuses_what_leaves_the_site(bad):
    from studio.platform.auth import safe_next

    assert safe_next(bad) == "/"


@pytest.mark.parametrize("good", ["/", "/admin/?year=2024", "/studio/3/host#card", "/i/5", "/archive/访谈/"])
def test_safe_next_keeps_a_path_on_this_site(good):
    from studio.platform.auth import safe_next

    assert safe_next(good) == good


def test_the_login_page_hands_the_script_only_a_checked_next(client):
    page = client.get("/login?next=/%09/evil.example/").get_data(as_text=True)
    assert 'data-next="/"' in page
    page = client.get("/login?next=/admin/%3Fyear%3D2024").get_data(as_text=True)
    assert 'data-next="/admin/?year=2024"' in page
