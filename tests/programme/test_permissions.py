"""Role × endpoint matrix for every programme endpoint. Admin passes everywhere; the public gets
401 on staff APIs (a redirect to the login page on staff pages), except what is public."""
from __future__ import annotations

import pytest

from studio.programme.permissions import PERMISSIONS

ROLES = ("admin", "host", "moderator", "director", "feed_editor", "publisher", None)  # None = the public
STAFF = {"admin", "host", "moderator", "director", "feed_editor", "publisher"}
EVERYONE = STAFF | {None}


def G(permission: str) -> frozenset[str]:
    """The roles the programme's permission table grants `permission` (its routes read it too)."""
    return PERMISSIONS[permission].granted


ALLOWED = {
    "deadlines": G("read_deadlines"),
    "set_deadlines": G("set_deadlines"),
    "year_deadlines": G("read_deadlines"),
    "digest": G("read_digest"),
    "submit_version": G("handle_script_versions"),
    "list_versions": G("handle_script_versions"),
    "get_version": G("handle_script_versions"),
    "diff": G("handle_script_versions"),
    "review": G("handle_script_versions"),
    "liaison_link": G("manage_liaison_links"),
    "renew_liaison_link": G("manage_liaison_links"),
    "list_series": EVERYONE,
    "create_series": G("manage_series"),
    "update_series": G("manage_series"),
    "series_page": EVERYONE,
    "series_feed": EVERYONE,
    "assessment": G("read_assessment"),
    "assessment_xlsx": G("read_assessment"),
    "stats": G("read_stats"),
    "dashboard_page": G("programme_dashboard"),
    "assessment_page": G("read_assessment"),
    "review_page": G("handle_script_versions"),
}


def actions(iid, admin, counter):
    def review(client):
        made = admin.post(f"/api/interviews/{iid}/script-versions", data="主持人：你好。".encode(),
                          content_type="text/plain").get_json()["version"]
        return client.post(f"/api/interviews/{iid}/script-versions/{made}/review",
                           json={"decision": "return", "comment": "请补充"})

    def create_series(client):
        counter[0] += 1
        return client.post("/api/series", json={"slug": f"s-{counter[0]}", "title": "专题"})

    return [
        ("deadlines", lambda c: c.get(f"/api/interviews/{iid}/deadlines")),
        ("set_deadlines", lambda c: c.patch(f"/api/interviews/{iid}/deadlines", json={"preview": None})),
        ("year_deadlines", lambda c: c.get("/api/deadlines?year=2024")),
        ("digest", lambda c: c.get("/api/digest")),
        ("submit_version", lambda c: c.post(f"/api/interviews/{iid}/script-versions", data="主持人：好。".encode(),
                                            content_type="text/plain")),
        ("list_versions", lambda c: c.get(f"/api/interviews/{iid}/script-versions")),
        ("get_version", lambda c: c.get(f"/api/interviews/{iid}/script-versions/1")),
        ("diff", lambda c: c.get(f"/api/interviews/{iid}/script-versions/2/diff?against=1")),
        ("review", review),
        ("liaison_link", lambda c: c.get(f"/api/interviews/{iid}/liaison-link")),
        ("renew_liaison_link", lambda c: c.post(f"/api/interviews/{iid}/liaison-link")),
        ("list_series", lambda c: c.get("/api/series")),
        ("create_series", create_series),
        ("update_series", lambda c: c.patch("/api/series/1", json={"description": "说明"})),
        ("series_page", lambda c: c.get("/archive/series/base/")),
        ("series_feed", lambda c: c.get("/archive/series/base/feed.xml")),
        ("assessment", lambda c: c.get("/api/assessment?year=2024")),
        ("assessment_xlsx", lambda c: c.get("/api/assessment.xlsx?year=2024")),
        ("stats", lambda c: c.get(f"/api/interviews/{iid}/stats")),
        ("dashboard_page", lambda c: c.get("/admin/programme?year=2024")),
        ("assessment_page", lambda c: c.get("/admin/assessment?year=2024")),
        ("review_page", lambda c: c.get(f"/admin/interviews/{iid}/script-versions")),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_programme_endpoint(app, admin, login, pukou, role):
    iid = pukou[0]
    for text in ("主持人：第一版。", "主持人：第二版。"):
        admin.post(f"/api/interviews/{iid}/script-versions", data=text.encode(), content_type="text/plain")
    assert admin.post("/api/series", json={"slug": "base", "title": "基础专题"}).status_code == 201
    client = login(role) if role else app.test_client()
    names = set()
    for name, call in actions(iid, admin, [0]):
        names.add(name)
        resp = call(client)
        if role in ALLOWED[name]:
            assert resp.status_code < 400, (role, name, resp.status_code, resp.get_data(as_text=True)[:200])
        elif role is None:
            assert resp.status_code in (401, 302), (role, name, resp.status_code)
        else:
            assert resp.status_code == 403, (role, name, resp.status_code)
    assert names == set(ALLOWED)


def test_staff_writes_need_csrf(admin, pukou):
    resp = admin.post("/api/series", json={"slug": "x", "title": "x"}, csrf=False)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"
    resp = admin.post(f"/api/interviews/{pukou[0]}/liaison-link", csrf=False)
    assert resp.status_code == 403
