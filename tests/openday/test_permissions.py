"""Role × endpoint for every open day endpoint: admin passes everywhere; the public gets 401 on
staff endpoints; the public endpoints answer everyone."""
from __future__ import annotations

import pytest

from studio.openday.permissions import PERMISSIONS
from studio.platform.models import ROLES

from .conftest import apply
from .test_survey import SURVEY

EVERYONE = set(ROLES) | {None}
# Who may do what comes from the open day's permission table, which its routes read too.
SURVEY_STAFF = PERMISSIONS["run_surveys"].granted
REGISTRATIONS = PERMISSIONS["manage_registrations"].granted
AFTER = PERMISSIONS["write_after"].granted
OPINIONS = PERMISSIONS["read_opinions"].granted

ENDPOINTS = {
    # name: (allowed roles, method, path template, body)
    "openday_state": (EVERYONE, "GET", "/api/interviews/{iid}/openday", None),
    "openday_settings": (REGISTRATIONS, "PATCH", "/api/interviews/{iid}/openday", {"capacity": 5}),
    "registrations": (REGISTRATIONS, "GET", "/api/interviews/{iid}/registrations", None),
    "review": (REGISTRATIONS, "POST", "/api/registrations/{aid}/review", {"decision": "waitlist"}),
    "registrations_xlsx": (REGISTRATIONS, "GET", "/api/interviews/{iid}/registrations.xlsx", None),
    "create_survey": (SURVEY_STAFF, "POST", "/api/interviews/{iid}/surveys", SURVEY),
    "list_surveys": (EVERYONE, "GET", "/api/interviews/{iid}/surveys", None),
    "change_survey": (SURVEY_STAFF, "PATCH", "/api/surveys/{sid}", {"state": "open"}),
    "survey_results": (SURVEY_STAFF, "GET", "/api/surveys/{sid}/results", None),
    "survey_xlsx": (SURVEY_STAFF, "GET", "/api/surveys/{sid}/results.xlsx", None),
    "signup_page": (EVERYONE, "GET", "/i/{iid}/signup", None),
    "survey_page": (EVERYONE, "GET", "/i/{iid}/survey", None),
    "after": (AFTER, "GET", "/api/interviews/{iid}/openday/after", None),
    "after_texts": (AFTER, "PUT", "/api/interviews/{iid}/openday/after", {"report_text": "报道"}),
    "opinions": (OPINIONS, "GET", "/api/interviews/{iid}/openday/opinions", None),
    "opinions_xlsx": (OPINIONS, "GET", "/api/interviews/{iid}/openday/opinions.xlsx", None),
}


@pytest.mark.parametrize("role", ["admin", "host", "moderator", "director", "feed_editor", "publisher", None])
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_permission_matrix(app, login, open_day, name, role):
    allowed, method, template, body = ENDPOINTS[name]
    iid = open_day["id"]
    aid = apply(app.test_client(), iid, 1).get_json()["id"]
    sid = login("host").post(f"/api/interviews/{iid}/surveys", json=SURVEY).get_json()["id"]
    client = login(role) if role else app.test_client()
    url = template.format(iid=iid, aid=aid, sid=sid)
    resp = client.open(method, url, json=body) if role else client.open(url, method=method, json=body)
    if role in allowed:
        assert resp.status_code in (200, 201), (name, role, resp.status_code, resp.get_data(as_text=True)[:200])
    else:
        assert resp.status_code == (401 if role is None else 403), (name, role, resp.status_code)


def test_public_writes_need_no_login_but_staff_writes_need_csrf(app, login, open_day):
    iid = open_day["id"]
    host = login("host")
    resp = host.post(f"/api/interviews/{iid}/surveys", json=SURVEY, csrf=False)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"
