"""`flask --app server deploy nginx-conf`: a complete configuration that real nginx accepts."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from studio.fanout.nginx_conf import NCHAN_MODULE, ConfigError, NginxSite, render
from tests.support.server import ServerProcess, free_port

from .conftest import NchanNginx, nginx_conf_args

pytestmark = pytest.mark.integration


def _site(tmp_path, **kw) -> NginxSite:
    return NginxSite(listen="127.0.0.1:8080", apps=kw.pop("apps", ["http://127.0.0.1:5001"]),
                     prefix=tmp_path / "ngx", data_dir=tmp_path / "data", static_dir=tmp_path / "static", **kw)


def _nginx_t(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["nginx", "-t", "-c", str(config)], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("redis", [None, "redis://127.0.0.1:6379/3"])
def test_printed_configuration_passes_nginx_t(tmp_path, redis):
    server = ServerProcess(tmp_path / "app", env={"NCHAN_REDIS_URL": redis or ""})
    prefix = tmp_path / "ngx"
    text = server.flask(*nginx_conf_args("127.0.0.1:18080", "http://127.0.0.1:5001", prefix,
                                         "--app", "http://127.0.0.1:5002", "--rtmp", "127.0.0.1:19350"))
    config = tmp_path / "nginx.conf"
    config.write_text(text)
    result = _nginx_t(config)
    assert result.returncode == 0, result.stderr
    assert f"load_module {NCHAN_MODULE};" in text and "ngx_rtmp_module.so" in text
    assert f"pid {prefix}/nginx.pid;" in text and f"{prefix}/logs/error.log" in text
    assert "ip_hash;" in text  # two app processes: sticky by client address
    assert ("nchan_redis_server redis://127.0.0.1:6379/3;" in text) == bool(redis)
    assert "client_max_body_size 1m;" in text and "limit_conn fangtan_addr 200;" in text


def test_one_app_needs_no_ip_hash_and_the_publisher_is_closed_to_others(tmp_path):
    text = render(_site(tmp_path))
    assert "ip_hash;" not in text
    pub = text[text.index("location ~ ^/internal/nchan/pub/"):]
    pub = pub[:pub.index("}")]
    assert "allow 127.0.0.1;" in pub and "deny all;" in pub and "nchan_publisher" in pub


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ConfigError):
        render(_site(tmp_path, apps=["ftp://x"]))
    with pytest.raises(ConfigError):
        render(_site(tmp_path, apps=[]))
    bad_listen = _site(tmp_path)
    bad_listen.listen = "8080"
    with pytest.raises(ConfigError):
        render(bad_listen)


def test_the_cli_says_what_is_wrong(tmp_path):
    server = ServerProcess(tmp_path / "app")
    with pytest.raises(RuntimeError, match="--app must look like"):
        server.flask("deploy", "nginx-conf", "--listen", "127.0.0.1:1", "--app", "nonsense://", "--prefix",
                     str(tmp_path / "p"))


def test_the_printed_nginx_serves_archive_static_and_caches_public_apis_for_a_second(tmp_path, live_server):
    port = free_port()
    prefix = tmp_path / "ngx"
    text = live_server.flask(*nginx_conf_args(f"127.0.0.1:{port}", live_server.url, prefix))
    nginx = NchanNginx(prefix, text, port).start()
    try:
        admin = live_server.session("admin")
        iid = admin.post(live_server.url + "/api/interviews", timeout=10,
                         json={"title": "缓存测试", "hosts": ["张敏"], "state": "preview"}).json()["id"]
        url = f"{nginx.url}/api/interviews/{iid}/events?after=0"
        first, second = requests.get(url, timeout=5), requests.get(url, timeout=5)
        assert first.headers["Cache-Control"] == "public, max-age=1"
        assert (first.headers["X-Cache-Status"], second.headers["X-Cache-Status"]) == ("MISS", "HIT")
        snap = requests.get(f"{nginx.url}/api/interviews/{iid}/snapshot", timeout=5)
        assert snap.ok and snap.headers["Cache-Control"] == "public, max-age=1"
        # A staff login is never served from the shared cache.
        staff = requests.get(url, timeout=5, cookies=admin.cookies)
        assert staff.headers["X-Cache-Status"] == "BYPASS" and "no-store" in staff.headers["Cache-Control"]
        # Static files and the archive come from disk, with caching headers.
        js = requests.get(f"{nginx.url}/static/js/live_nchan.js", timeout=5)
        assert js.ok and "public" in js.headers["Cache-Control"] and "FangtanLiveNchan" in js.text
        archive = live_server.data_dir / "archive"
        (archive / "assets").mkdir(parents=True, exist_ok=True)
        (archive / "assets" / "probe.txt").write_text("archived")
        assert requests.get(f"{nginx.url}/archive/assets/probe.txt", timeout=5).text == "archived"
        (archive / ".versions").mkdir(exist_ok=True)
        (archive / ".versions" / "secret.txt").write_text("x")
        assert requests.get(f"{nginx.url}/archive/.versions/secret.txt", timeout=5).status_code == 403
        # Bodies above 1 MB are refused by nginx itself outside the upload locations.
        big = requests.post(f"{nginx.url}/api/session", data=b"x" * (2 * 1024 * 1024), timeout=10)
        assert big.status_code == 413
    finally:
        nginx.kill()
