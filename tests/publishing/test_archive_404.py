"""/archive/ addresses that have no published interview answer a 404 page for people (issue 8.9):
HTML in Chinese in the archive's style; JSON errors stay under /api/."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/archive/{iid}/", "/archive/{iid}/video.mp4", "/archive/{iid}/hls/index.m3u8",
                                  "/archive/99999/", "/archive/abc/", "/archive/assets/nope.css"])
def test_unpublished_or_unknown_archive_addresses_are_an_html_404_page(client, interview, path):
    resp = client.get(path.format(iid=interview["id"]))
    assert resp.status_code == 404, path
    assert resp.mimetype == "text/html", (path, resp.mimetype)
    html = resp.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "页面不存在" in html and "访谈回顾" in html, html
    assert 'href="/archive/assets/archive.css"' in html and 'href="/archive/"' in html
    assert '"error"' not in html
    # the stylesheet the page names is there
    assert client.get("/archive/assets/archive.css").status_code == 200


def test_api_errors_stay_json(login, interview):
    resp = login("publisher").get("/api/interviews/99999/edit")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"]
