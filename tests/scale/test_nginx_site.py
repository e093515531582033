"""deploy/nginx-site.conf in front of two server processes (shared database, Redis), over HTTPS.

The production site file, with only its ports, certificate and upstream lines swapped for the
test's, proxies logins, staff writes, and Socket.IO over WebSocket (the upgrade headers) and over
long-polling (the sticky upstream) to viewers and to the staff socket (its Origin check sees the
Host nginx passes on).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid

import pytest
import requests
import socketio

from tests.support.server import ROOT, ServerProcess, free_port

pytestmark = [pytest.mark.redis, pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")]


def site_config(upstream_ports, https_port, http_port, cert, key) -> str:
    """The production site file with the test's ports and certificate, IPv4 loopback only."""
    text = (ROOT / "deploy" / "nginx-site.conf").read_text()
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=0;" for port in upstream_ports)
    text, count = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+ max_fails=0;\n(?:    server 127\.0\.0\.1:\d+ max_fails=0;\n)*",
                          servers + "\n", text)
    assert count == 1, "the upstream block of nginx-site.conf changed shape"
    text = re.sub(r"(?m)^\s*listen \[::\].*\n", "", text)
    text = text.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl").replace(
        "listen 80;", f"listen 127.0.0.1:{http_port};")
    return text.replace("/etc/ssl/fangtan/fullchain.pem", str(cert)).replace(
        "/etc/ssl/fangtan/privkey.pem", str(key))


@pytest.fixture
def nginx_in_front(tmp_path, redis_url):
    if not shutil.which("nginx") or not shutil.which("openssl"):
        pytest.skip("nginx or openssl is not installed (deploy/install-deps.sh test installs them)")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}", "REDIS_URL": redis_url,
           "REDIS_CHANNEL": f"fangtan-test-{uuid.uuid4().hex}", "TRUSTED_PROXIES": "1",
           "SESSION_COOKIE_SECURE": "true"}
    a, b = ServerProcess(tmp_path / "a", env=env), ServerProcess(tmp_path / "b", env=env)
    a.migrate()
    a.create_user("admin", "admin")
    a.create_user("feed_editor", "feed_editor")
    conf_dir = tmp_path / "nginx"
    conf_dir.mkdir()
    cert, key = conf_dir / "cert.pem", conf_dir / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    https_port, http_port = free_port(), free_port()
    temp = "\n".join(f"{name}_temp_path {conf_dir / name};" for name in ("client_body", "proxy", "fastcgi",
                                                                         "uwsgi", "scgi"))
    (conf_dir / "nginx.conf").write_text(
        f"daemon off;\npid {conf_dir / 'nginx.pid'};\nerror_log {conf_dir / 'error.log'} warn;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\naccess_log off;\n{temp}\n"
        f"{site_config([a.port, b.port], https_port, http_port, cert, key)}\n}}\n")
    nginx = None
    try:
        a.start()
        b.start()
        nginx = subprocess.Popen(["nginx", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        base = f"https://127.0.0.1:{https_port}"
        deadline = time.time() + 15
        while True:
            try:
                if requests.get(base + "/healthz", verify=False, timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if nginx.poll() is not None or time.time() > deadline:
                pytest.fail(f"nginx did not serve: {nginx.stderr.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield base, f"http://127.0.0.1:{http_port}"
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.terminate()
            nginx.wait(timeout=10)
        a.kill()
        b.kill()
        for name, server in (("a", a), ("b", b)):  # shown with a failure (warnings and errors only)
            print(f"--- server {name} ---", *server.log().splitlines()[-40:], sep="\n")


def _login(base: str, username: str) -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override verify=False
    http.verify = False
    resp = http.post(base + "/api/session", json={"username": username, "password": "correct-horse-battery"},
                     timeout=15)
    assert resp.status_code == 200, resp.text
    assert "secure" in resp.headers["Set-Cookie"].lower()  # SESSION_COOKIE_SECURE behind HTTPS
    http.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return http


class Refused(AssertionError):
    """The server refused the namespace, with its reason."""


def _viewer(base: str, namespace: str, interview_id: int, transports, headers=None, origin=None, attempts=3):
    """A Socket.IO client through nginx; over WebSocket it sends the Origin a browser on the
    site would (https://host:port), or `origin`.

    Through nginx's TLS, on a loaded machine, python-engineio's client now and then loses the
    connection right after the handshake, although the server's log shows it answered the
    namespace (about one run in ten of this test; 1 in 150 bare connects with TLS 1.2; never
    in 150 connects straight to the server). Most likely its two threads reading and writing
    one TLS socket. Such an attempt, with no answer from the server, is made again, as
    live.js reconnects; a refusal from the server is final."""
    for _attempt in range(attempts):
        events, refusals = [], []
        http = requests.Session()
        http.trust_env, http.verify = False, False  # the test's self-signed certificate
        sio = socketio.Client(reconnection=False, ssl_verify=False, http_session=http,
                              websocket_extra_options={"origin": origin} if origin else {})
        sio.on("event", events.append, namespace=namespace)
        sio.on("connect_error", refusals.append, namespace=namespace)
        try:
            sio.connect(base, namespaces=[namespace], transports=transports, headers=dict(headers or {}),
                        wait_timeout=30)
        except socketio.exceptions.ConnectionError as exc:
            if refusals:
                raise Refused(f"{namespace} over {transports} refused: {refusals}") from exc
            sio.disconnect()
            continue
        ack = sio.call("join", {"interview_id": interview_id}, namespace=namespace, timeout=15)
        assert ack["ok"], ack
        return sio, events
    raise AssertionError(f"{namespace} over {transports}: no answer in {attempts} attempts")


def test_site_config_proxies_https_and_socketio_to_several_processes(nginx_in_front):
    base, plain = nginx_in_front
    redirect = requests.get(plain + "/i/1", allow_redirects=False, timeout=10)
    assert redirect.status_code == 301 and redirect.headers["Location"].startswith("https://")

    admin, editor = _login(base, "admin"), _login(base, "feed_editor")
    created = admin.post(base + "/api/interviews", json={"title": "nginx 之后", "state": "preview",
                                                        "hosts": ["张敏"]}, timeout=15)
    assert created.status_code == 201, created.text
    iid = created.json()["id"]
    assert admin.post(f"{base}/api/interviews/{iid}/state", json={"state": "live"}, timeout=15).ok

    cookie = f"fangtan_session={admin.cookies['fangtan_session']}"
    clients = [
        _viewer(base, "/live", iid, ["websocket"]),            # the Upgrade/Connection headers
        _viewer(base, "/live", iid, ["polling"]),              # several requests: the sticky upstream
        _viewer(base, "/studio", iid, ["websocket"], {"Cookie": cookie}),
    ]
    try:
        # the staff socket's Origin check still bites behind the proxy
        with pytest.raises(Refused, match="origin_refused"):
            _viewer(base, "/studio", iid, ["websocket"], {"Cookie": cookie}, origin="https://evil.example")
        texts = [f"经 nginx 第{n}条" for n in range(10)]
        for text in texts:
            resp = editor.post(f"{base}/api/interviews/{iid}/feed", json={"speaker": "host", "text": text},
                               timeout=15)
            assert resp.status_code == 201, resp.text
        deadline = time.time() + 20
        while time.time() < deadline and any(len(events) < len(texts) for _, events in clients):
            time.sleep(0.1)
        time.sleep(0.3)
        for _, events in clients:
            # python-socketio's client runs each message's handler on a thread of its own, so
            # arrival order here is the threads' order; the seq is the order (as in live.js).
            posted = sorted((e for e in events if e["type"] == "feed.posted"), key=lambda e: e["seq"])
            assert len({e["seq"] for e in posted}) == len(posted), "each entry exactly once"
            assert [e["data"]["text"] for e in posted] == texts
            assert [e["prev"] for e in posted[1:]] == [e["seq"] for e in posted[:-1]], "no gap"
    finally:
        for sio, _ in clients:
            sio.disconnect()


def test_site_config_limits_bodies_except_on_the_upload_locations(nginx_in_front):
    """nginx matches the app (issue 16.1): 1 MB everywhere, more only where an upload goes."""
    base, _plain = nginx_in_front
    http = requests.Session()
    http.trust_env, http.verify = False, False
    two_mb = b"{" * (2 * 1024 * 1024)
    resp = http.post(base + "/api/session", data=two_mb, headers={"Content-Type": "application/json"}, timeout=30)
    assert resp.status_code == 413  # nginx's own refusal: the body never reaches a server process
    for url in ("/api/interviews/1/recordings", "/api/interviews/1/images"):
        resp = http.post(base + url, files={"file": ("x.mp4", two_mb)}, timeout=30)
        assert resp.status_code == 401, (url, resp.status_code)  # passed nginx; the app wants a login
    resp = http.post(base + "/api/interviews/1/images", files={"file": ("x.png", b"\0" * (12 * 1024 * 1024))},
                     timeout=60)
    assert resp.status_code == 413
