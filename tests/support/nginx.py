"""A real nginx with the RTMP module (RTMP in, HLS out) on free ports, for streaming tests.

It gets its own config written from deploy/nginx-rtmp.conf's shape with temporary paths (HLS
folder, temp paths, pid, logs) and runs in the foreground (`daemon off;`) so the fixture can
kill it.
"""
from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from .server import free_port

RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
STREAM_KEY = "fangtan"


class NginxRtmp:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.hls_dir = self.root / "hls"
        self.rtmp_port = free_port()
        self.http_port = free_port()
        self.rtmp_url = f"rtmp://127.0.0.1:{self.rtmp_port}/live/{STREAM_KEY}"
        self.hls_url = f"http://127.0.0.1:{self.http_port}/hls/{STREAM_KEY}.m3u8"
        self.proc: subprocess.Popen | None = None

    def write_config(self) -> Path:
        for sub in ("hls", "tmp", "logs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        tmp = self.root / "tmp"
        config = self.root / "nginx.conf"
        # As root, nginx's workers would run as nobody and could not reach pytest's 0700 folders.
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        config.write_text(f"""
load_module {RTMP_MODULE};
{user}
daemon off;
worker_processes 1;
pid {self.root / 'nginx.pid'};
error_log {self.root / 'logs/error.log'} info;
events {{ worker_connections 256; }}
rtmp {{
    server {{
        listen 127.0.0.1:{self.rtmp_port};
        application live {{
            live on;
            record off;
            hls on;
            hls_path {self.hls_dir};
            hls_fragment 2s;
            hls_playlist_length 20s;
            hls_cleanup on;
        }}
    }}
}}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}
    server {{
        listen 127.0.0.1:{self.http_port};
        location /hls/ {{
            alias {self.hls_dir}/;
            add_header Access-Control-Allow-Origin * always;
            add_header Cache-Control no-cache always;
        }}
    }}
}}
""")
        return config

    def start(self, timeout: float = 10) -> "NginxRtmp":
        config = self.write_config()
        log = open(self.root / "logs/stdout.log", "ab")
        self.proc = subprocess.Popen(["nginx", "-c", str(config), "-p", str(self.root)], stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.root / 'logs/error.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.rtmp_port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx-rtmp did not listen in time")

    def segments(self) -> list[Path]:
        return sorted(self.hls_dir.glob("*.ts"))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def nginx_rtmp(tmp_path):
    if not os.path.exists(RTMP_MODULE):
        pytest.fail(f"{RTMP_MODULE} missing: run `make test` (installs libnginx-mod-rtmp)")
    server = NginxRtmp(tmp_path / "nginx")
    server.start()
    yield server
    server.stop()
