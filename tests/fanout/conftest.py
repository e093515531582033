"""Fan-out test helpers: a real nginx with nchan started from `flask deploy nginx-conf`'s output,
and the real app behind it publishing there (PUBLIC_FANOUT=nchan)."""
from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from studio.fanout.nginx_conf import NCHAN_MODULE
from tests.support.server import ServerProcess, free_port
from tests.support.fixtures import ALL_ROLES


def nginx_conf_args(listen: str, app_url: str, prefix: Path, *extra: str) -> list[str]:
    args = ["deploy", "nginx-conf", "--listen", listen, "--app", app_url, "--prefix", str(prefix), *extra]
    if os.geteuid() == 0:
        # As root, nginx's workers would run as nobody and could not reach pytest's 0700 folders.
        args += ["--user", getpass.getuser()]
    return args


class NchanNginx:
    """nginx -c <the printed configuration>, in the foreground so the test can kill and restart it."""

    def __init__(self, root: Path, config_text: str, port: int):
        self.root = Path(root)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.config = self.root / "nginx.conf"
        self.config.write_text(config_text)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> "NchanNginx":
        log = open(self.root / "stdout.log", "ab")
        self.proc = subprocess.Popen(["nginx", "-c", str(self.config), "-g", "daemon off;"], stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not listen in time")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            (self.root / "nginx.pid").unlink(missing_ok=True)

    def error_log(self) -> str:
        path = self.root / "logs/error.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def fanout_stack(tmp_path):
    """(server, nginx): the app with PUBLIC_FANOUT=nchan behind nginx+nchan, both real processes."""
    if not os.path.exists(NCHAN_MODULE):
        pytest.fail(f"{NCHAN_MODULE} missing: run `make test` (installs libnginx-mod-nchan)")
    nginx_port = free_port()
    server = ServerProcess(tmp_path / "server", env={
        "PUBLIC_FANOUT": "nchan", "NCHAN_PUBLISH_URL": f"http://127.0.0.1:{nginx_port}/internal/nchan/pub",
        "TRUSTED_PROXIES": "1", "LOG_LEVEL": "INFO",
        # Short, so the nginx restart below really loses publishes and the page must fill the gap.
        "NCHAN_PUBLISH_RETRY_SECONDS": "2"})
    server.migrate()
    for role in ALL_ROLES:
        server.create_user(role, role)
    prefix = tmp_path / "nginx"
    text = server.flask(*nginx_conf_args(f"127.0.0.1:{nginx_port}", server.url, prefix))
    nginx = NchanNginx(prefix, text, nginx_port).start()
    server.start()
    yield server, nginx
    server.kill()
    nginx.kill()


def wait_for(predicate, timeout: float, message: str, interval: float = 0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message)


def public_entries(url: str, interview_id: int) -> list[dict]:
    return requests.get(f"{url}/api/interviews/{interview_id}/feed", timeout=10).json()["entries"]
