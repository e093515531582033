"""Run the real server (python server.py, eventlet) as a child process for integration tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ServerProcess:
    """One server process on a free port with its own DATA_DIR (or a given DATABASE_URL)."""

    def __init__(self, data_dir: Path, env: dict | None = None, port: int | None = None, root: Path | None = None):
        self.root = Path(root or ROOT)  # another checkout (bench/viewer_page.py: the code before a change)
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATA_DIR": str(self.data_dir), "HOST": "127.0.0.1",
                    "PORT": str(self.port), "SECRET_KEY": "integration-secret", "LOG_LEVEL": "WARNING",
                    "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir / f"server-{self.port}.log"

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run `flask --app server ARGS` against this server's settings; returns stdout."""
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "server", *args], cwd=self.root,
                                env=self.env, input=stdin, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result.stdout

    def migrate(self) -> "ServerProcess":
        self.flask("db", "upgrade")
        return self

    def create_user(self, name: str, role: str, password: str = PASSWORD) -> None:
        self.flask("user", "create", name, "--role", role, stdin=password + "\n")

    def start(self, timeout: float = 30) -> "ServerProcess":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "server.py"], cwd=self.root, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code in (200, 503):
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer in {timeout}s: {self.log_path.read_text()[-3000:]}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the server (SIGKILL by default: no clean shutdown, like a crash)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def session(self, username: str, password: str = PASSWORD) -> requests.Session:
        """A logged-in requests.Session that sends the CSRF token on writes."""
        http = requests.Session()
        resp = http.post(self.url + "/api/session", json={"username": username, "password": password}, timeout=10)
        resp.raise_for_status()
        http.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
        return http

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
