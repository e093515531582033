"""A real server for the viewer-phone tests (issue 15), with HLS_URL naming a small test stream."""
from __future__ import annotations

import pytest

from tests.support.server import ServerProcess

from .pageload import make_test_hls, serve_folder


@pytest.fixture(scope="module")
def hls_origin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hls")
    make_test_hls(folder)
    httpd, url = serve_folder(folder)
    yield url
    httpd.shutdown()


@pytest.fixture(scope="module")
def phone_server(tmp_path_factory, hls_origin):
    """One server for the module: interviews in every state are made side by side."""
    server = ServerProcess(tmp_path_factory.mktemp("viewer") / "server",
                           env={"HLS_URL": f"{hls_origin}/index.m3u8", "FLASK_RUN_FROM_CLI": ""})
    server.migrate()
    for role in ("admin", "feed_editor", "publisher"):
        server.create_user(role, role)
    server.start()
    yield server
    server.kill()
