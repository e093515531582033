"""The OpenAPI 3.1 document at /api/openapi.json: valid, generated from the route declarations,
covering every /api/ rule of the app, with roles and security per operation; /api/docs served
locally (no CDN)."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

from studio.platform.http import is_documented


def _openapi_path(rule) -> str:
    return re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", str(rule))


def test_document_is_valid_openapi_3_1(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.is_json
    document = resp.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_api_rule_is_an_operation(app, client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not is_documented(rule):
            continue
        path = _openapi_path(rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, missing
    assert any(p.startswith("/api/") for p in paths)


def test_operations_name_their_roles_and_security(client):
    document = client.get("/api/openapi.json").get_json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["session"] == {**schemes["session"], "type": "apiKey", "in": "cookie", "name": "fangtan_session"}
    assert schemes["csrf"] == {**schemes["csrf"], "type": "apiKey", "in": "header", "name": "X-CSRF-Token"}
    users = document["paths"]["/api/users"]["post"]
    assert users["x-roles"] == ["admin"] and users["security"] == [{"session": [], "csrf": []}]
    assert document["paths"]["/api/session"]["post"]["x-roles"] == "public"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("x-roles"), (method, path)
            assert "default" in operation["responses"], (method, path)


def test_ids_in_paths_are_bounded_integers(client):
    from studio.platform.http import MAX_ID

    document = client.get("/api/openapi.json").get_json()
    parameters = [p for op in document["paths"]["/api/interviews/{interview_id}"].values() for p in op["parameters"]]
    assert parameters and all(p["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID} for p in parameters)


def test_bodies_read_in_the_view_are_documented_with_their_media_types(client):
    """The public sign-up and survey (origin checked first), the uploads taking several forms and the
    recording registration read their bodies themselves (declare(view_reads_body=True, other_bodies=…))."""
    paths = client.get("/api/openapi.json").get_json()["paths"]
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    expected = {
        ("post", "/api/interviews/{interview_id}/registrations"): {"application/json"},
        ("post", "/api/surveys/{survey_id}/responses"): {"application/json"},
        ("put", "/api/interviews/{interview_id}/script"): {"application/json", "multipart/form-data", "text/plain",
                                                         "text/markdown", docx},
        ("post", "/api/interviews/{interview_id}/script-versions"): {"application/json", "multipart/form-data",
                                                                   "text/plain"},
        ("put", "/api/wordlist"): {"multipart/form-data", "text/plain"},
        ("post", "/api/interviews/{interview_id}/recordings"): {"application/json", "multipart/form-data"},
    }
    for (method, path), media_types in expected.items():
        assert set(paths[path][method]["requestBody"]["content"]) == media_types, (method, path)


def test_docs_page_is_served_locally(client):
    resp = client.get("/api/docs")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "swagger-ui-bundle.js" in html and "//" not in re.sub(r"<!--.*?-->", "", html).split("<body>")[1] \
        .replace("/vendor/", "").replace("/static/", "").replace("/api/", "")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    bundle = re.search(r'src="([^"]*swagger-ui-bundle\.js[^"]*)"', html).group(1)
    assert client.get(bundle).status_code == 200
