"""A real OBS Studio 29 (obs-websocket 5.1) under its own Xvfb, with a throw-away HOME.

ObsProcess writes OBS's INI files before the start (first-run wizard off, websocket on with a
password, a small canvas and one shared x264 encoder so two cores can stream and record at
once), starts `Xvfb -displayfd` (no fixed display numbers: other test runs share the machine)
and OBS, waits until the websocket identifies, and kills both at the end. start()/kill() can be
called again on the same object: OBS comes back with the same HOME, port and scenes.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import websocket

from .server import free_port

OBS_BINARY = shutil.which("obs") or "/usr/bin/obs"
PROFILE = "Fangtan"
COLLECTION = "Fangtan"
CANVAS = (640, 360)
FPS = 15


def _ini(sections: dict[str, dict[str, object]]) -> str:
    out = []
    for name, values in sections.items():
        out.append(f"[{name}]")
        out += [f"{key}={value}" for key, value in values.items()]
        out.append("")
    return "\n".join(out)


class ObsProcess:
    """One OBS Studio with obs-websocket on a free port; url/password for the app's settings."""

    def __init__(self, root: Path, password: str = "obs-test-secret", port: int | None = None):
        self.root = Path(root)
        self.home = self.root / "home"
        self.recordings = self.root / "recordings"
        self.port = port or free_port()
        self.password = password
        self.url = f"ws://127.0.0.1:{self.port}"
        self.xvfb: subprocess.Popen | None = None
        self.obs: subprocess.Popen | None = None
        self.display: str | None = None
        self.log_path = self.root / "obs.log"
        self.write_config()

    # ---- configuration -------------------------------------------------------------------

    def write_config(self) -> None:
        """OBS reads these before its first frame; websocket 5.1 takes its settings from global.ini."""
        config = self.home / ".config/obs-studio"
        profile = config / "basic/profiles" / PROFILE
        (config / "basic/scenes").mkdir(parents=True, exist_ok=True)
        profile.mkdir(parents=True, exist_ok=True)
        self.recordings.mkdir(parents=True, exist_ok=True)
        (config / "global.ini").write_text(_ini({
            "General": {"FirstRun": "true", "LastVersion": "486539266", "EnableAutoUpdates": "false"},
            "Basic": {"Profile": PROFILE, "ProfileDir": PROFILE,
                      "SceneCollection": COLLECTION, "SceneCollectionFile": COLLECTION},
            "BasicWindow": {"SysTrayMinimizeToTray": "true", "SysTrayEnabled": "false"},
            "OBSWebSocket": {"FirstLoad": "false", "ServerEnabled": "true", "ServerPort": self.port,
                             "AuthRequired": "true", "ServerPassword": self.password,
                             "AlertsEnabled": "false"},
        }))
        (profile / "basic.ini").write_text(_ini({
            "General": {"Name": PROFILE},
            "Video": {"BaseCX": CANVAS[0], "BaseCY": CANVAS[1], "OutputCX": CANVAS[0],
                      "OutputCY": CANVAS[1], "FPSType": 1, "FPSInt": FPS, "FPSCommon": FPS},
            "Output": {"Mode": "Simple"},
            "SimpleOutput": {"FilePath": str(self.recordings), "RecFormat": "mkv", "RecQuality": "Stream",
                             "VBitrate": 600, "ABitrate": 96, "StreamEncoder": "x264",
                             "RecEncoder": "x264", "Preset": "veryfast", "UseAdvanced": "true",
                             "x264Settings": f"keyint={2 * FPS}"},
            "Audio": {"SampleRate": 48000, "ChannelSetup": "Stereo"},
        }))

    # ---- processes -----------------------------------------------------------------------

    def start(self, timeout: float = 60) -> "ObsProcess":
        if self.xvfb is None or self.xvfb.poll() is not None:
            self._start_xvfb()
        env = {**os.environ, "HOME": str(self.home), "DISPLAY": self.display, "LIBGL_ALWAYS_SOFTWARE": "1",
               "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": str(self.home / ".config")}
        log = open(self.log_path, "ab")
        self.obs = subprocess.Popen(
            [OBS_BINARY, "--minimize-to-tray", "--disable-shutdown-check", "--multi", "--disable-updater",
             "--profile", PROFILE, "--collection", COLLECTION],
            env=env, cwd=str(self.home), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(timeout)
        return self

    def _start_xvfb(self) -> None:
        read_fd, write_fd = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not report a display number")
        self.display = f":{number}"

    def wait_ready(self, timeout: float = 60) -> None:
        """Until a websocket client identifies with our password (OBS takes ~5-10 s here)."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.obs is not None and self.obs.poll() is not None:
                raise RuntimeError(f"OBS exited ({self.obs.returncode}): {self.log()[-3000:]}")
            try:
                self.request("GetVersion")
                return
            except Exception as exc:  # noqa: BLE001 - not up yet
                last = exc
                time.sleep(0.5)
        raise RuntimeError(f"OBS websocket not ready in {timeout}s ({last}): {self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL OBS (like a crash); Xvfb stays for a restart."""
        if self.obs is not None and self.obs.poll() is None:
            os.killpg(self.obs.pid, signal.SIGKILL)
            self.obs.wait(timeout=10)
        self.obs = None

    def close(self) -> None:
        self.kill()
        if self.xvfb is not None and self.xvfb.poll() is None:
            os.killpg(self.xvfb.pid, signal.SIGKILL)
            self.xvfb.wait(timeout=10)
        self.xvfb = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # ---- a second, independent websocket client (what "another OBS client" does) ----------

    def connect(self, password: str | None = None, timeout: float = 5, events: int = 0) -> websocket.WebSocket:
        """An identified client; `events` is obs-websocket's EventSubscription mask (0: none)."""
        ws = websocket.create_connection(self.url, timeout=timeout)
        hello = json.loads(ws.recv())["d"]
        auth = ""
        if hello.get("authentication"):
            salt, challenge = hello["authentication"]["salt"], hello["authentication"]["challenge"]
            secret = base64.b64encode(hashlib.sha256(((password or self.password) + salt).encode()).digest())
            auth = base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()
        ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": auth, "eventSubscriptions": events}}))
        identified = json.loads(ws.recv())
        if identified.get("op") != 2:
            raise RuntimeError(f"not identified: {identified}")
        return ws

    def request(self, request_type: str, data: dict | None = None, ws: websocket.WebSocket | None = None) -> dict:
        """One request on a short-lived connection (or the given one); returns responseData."""
        own = ws is None
        ws = ws or self.connect()
        try:
            ws.send(json.dumps({"op": 6, "d": {"requestType": request_type, "requestId": "t",
                                               "requestData": data or {}}}))
            while True:
                message = json.loads(ws.recv())
                if message.get("op") == 7:
                    status = message["d"]["requestStatus"]
                    if not status["result"]:
                        raise RuntimeError(f"{request_type} failed: {status}")
                    return message["d"].get("responseData") or {}
        finally:
            if own:
                ws.close()


@pytest.fixture(scope="session")
def obs_studio(tmp_path_factory):
    """One OBS for the test session (tests that kill OBS use obs_private instead)."""
    studio = ObsProcess(tmp_path_factory.mktemp("obs"))
    try:
        studio.start()
        yield studio
    finally:
        studio.close()


@pytest.fixture
def obs_private(tmp_path):
    """An OBS of this test alone: it may be killed and restarted."""
    studio = ObsProcess(tmp_path / "obs")
    try:
        studio.start()
        yield studio
    finally:
        studio.close()
