"""One websocket to OBS (obs-websocket v5) built on obs-websocket-py's obsws.

obsws 1.0 does the Hello/Identify handshake and password hashing, but its receive thread only
knows single requests (op 6/7), waits 60 s for an answer and has no reconnect; it also cannot
tell a wrong password from a closed socket. ObsConnection keeps obsws's authentication and
adds: connect/request timeouts, the close code on a failed Identify (4009 = wrong password),
request batches (op 8/9, for atomic overlay changes) and a callback per OBS event. Reconnecting
is the owner's job (studio.obs.owner).
"""
from __future__ import annotations

import json
import logging
import threading
from urllib.parse import urlsplit

import websocket
from obswebsocket import obsws

log = logging.getLogger(__name__)

AUTH_FAILED_CLOSE_CODE = 4009
# ExecutionType of RequestBatch: all requests at once, in order, within one OBS tick.
BATCH_SERIAL_REALTIME = 0


class ObsError(Exception):
    """OBS could not be reached or answered with a failure."""

    def __init__(self, message: str, code: str = "obs_error", obs_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.obs_code = obs_code


class ObsAuthError(ObsError):
    """OBS refused our password: retrying would only fill OBS's log."""


class ObsConnectionLost(ObsError):
    pass


class ObsRequestFailed(ObsError):
    pass


def parse_obs_url(url: str) -> tuple[str, int]:
    """ws://host:port -> (host, port); obs-websocket 5's default port is 4455."""
    parts = urlsplit(url if "://" in url else f"ws://{url}")
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"OBS_URL must look like ws://127.0.0.1:4455, not {url!r}")
    return parts.hostname, parts.port or 4455


class ObsConnection(obsws):
    """A v5 connection: request(), batch(), and on_event(type, data) from a reader thread."""

    def __init__(self, url: str, password: str = "", request_timeout: float = 5.0,
                 on_event=None, on_close=None):
        host, port = parse_obs_url(url)
        super().__init__(host, port, password or "", legacy=False, timeout=request_timeout)
        self.url = f"ws://{host}:{port}"
        self.on_event = on_event
        self.on_close = on_close
        self.hello: dict = {}
        self._pending: dict[str, tuple[threading.Event, list]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._reader: threading.Thread | None = None

    # ---- connect -------------------------------------------------------------------------

    def connect(self, timeout: float = 5.0) -> "ObsConnection":
        """Open and identify; raises ObsAuthError on a wrong password, ObsError otherwise."""
        try:
            self.ws = websocket.create_connection(self.url, timeout=timeout)
        except (OSError, websocket.WebSocketException) as exc:
            raise ObsError(f"无法连接 OBS（{self.url}）：{exc}", code="obs_unreachable") from exc
        try:
            self._auth()  # obsws: Hello, Identify with the hashed password, Identified
        except Exception as exc:  # noqa: BLE001 - sort the cause out below
            code = self._close_code()
            self._drop_socket()
            if code == AUTH_FAILED_CLOSE_CODE or "password" in str(exc).lower():
                raise ObsAuthError("OBS 拒绝了密码（OBS_PASSWORD 不正确）", code="obs_auth_failed") from exc
            raise ObsError(f"OBS 握手失败：{exc}", code="obs_handshake_failed") from exc
        self.ws.settimeout(None)  # the reader blocks; requests time out on their own
        self._closed.clear()
        self._reader = threading.Thread(target=self._read_loop, name="obs-reader", daemon=True)
        self._reader.start()
        return self

    def _close_code(self) -> int | None:
        """The close code OBS sent after a failed Identify (4009: authentication failed)."""
        try:
            self.ws.settimeout(1)
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE and len(data) >= 2:
                return int.from_bytes(data[:2], "big")
        except Exception:  # noqa: BLE001 - already closed: no code to read
            pass
        return None

    def _drop_socket(self) -> None:
        try:
            self.ws.close(timeout=0.5)
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        """Close the socket; the reader ends and on_close is not called for a close we asked for."""
        self._closed.set()
        if self.ws is not None:
            self._drop_socket()
        self._fail_pending("连接已关闭")

    @property
    def alive(self) -> bool:
        return self.ws is not None and not self._closed.is_set() and self.ws.connected

    # ---- requests ------------------------------------------------------------------------

    def request(self, request_type: str, data: dict | None = None, timeout: float | None = None) -> dict:
        """Send one request and return its responseData; ObsRequestFailed when OBS says no."""
        answer = self._send_and_wait(6, {"requestType": request_type, "requestData": data or {}}, timeout)
        status = answer.get("requestStatus", {})
        if not status.get("result"):
            raise ObsRequestFailed(f"OBS 拒绝 {request_type}：{status.get('comment') or status.get('code')}",
                                   code="obs_request_failed", obs_code=status.get("code"))
        return answer.get("responseData") or {}

    def batch(self, requests: list[tuple[str, dict]], halt_on_failure: bool = True,
              timeout: float | None = None) -> list[dict]:
        """Run requests as one RequestBatch (serial, realtime): e.g. overlay text and visibility together."""
        body = {"haltOnFailure": halt_on_failure, "executionType": BATCH_SERIAL_REALTIME,
                "requests": [{"requestType": kind, "requestData": data} for kind, data in requests]}
        answer = self._send_and_wait(8, body, timeout)
        results = answer.get("results", [])
        for item in results:
            status = item.get("requestStatus", {})
            if not status.get("result"):
                raise ObsRequestFailed(f"OBS 拒绝 {item.get('requestType')}：{status.get('comment') or status.get('code')}",
                                       code="obs_request_failed", obs_code=status.get("code"))
        if len(results) < len(requests):
            raise ObsRequestFailed("OBS 未执行全部请求", code="obs_request_failed")
        return [item.get("responseData") or {} for item in results]

    def _send_and_wait(self, op: int, body: dict, timeout: float | None) -> dict:
        if not self.alive:
            raise ObsConnectionLost("未连接 OBS", code="obs_disconnected")
        with self._lock:
            request_id = str(self.id)
            self.id += 1
        done = threading.Event()
        box: list = []
        self._pending[request_id] = (done, box)
        try:
            self.ws.send(json.dumps({"op": op, "d": {"requestId": request_id, **body}}))
        except Exception as exc:  # noqa: BLE001 - a broken socket
            self._pending.pop(request_id, None)
            raise ObsConnectionLost(f"发送到 OBS 失败：{exc}", code="obs_disconnected") from exc
        if not done.wait(self.timeout if timeout is None else timeout):
            self._pending.pop(request_id, None)
            raise ObsConnectionLost("OBS 无响应（请求超时）", code="obs_timeout")
        self._pending.pop(request_id, None)
        if not box or box[0] is None:
            raise ObsConnectionLost("与 OBS 的连接已断开", code="obs_disconnected")
        return box[0]

    def _fail_pending(self, _why: str) -> None:
        for done, box in list(self._pending.values()):
            box.append(None)
            done.set()

    # ---- receiving -----------------------------------------------------------------------

    def _read_loop(self) -> None:
        ws = self.ws
        try:
            while not self._closed.is_set():
                message = ws.recv()
                if not message:
                    if not ws.connected:
                        break
                    continue
                self._dispatch(json.loads(message))
        except Exception as exc:  # noqa: BLE001 - socket closed / OBS gone
            if not self._closed.is_set():
                log.info("OBS connection lost: %s", exc)
        finally:
            asked = self._closed.is_set()
            self._closed.set()
            self._fail_pending("closed")
            if not asked and self.on_close:
                self.on_close()

    def _dispatch(self, message: dict) -> None:
        op, data = message.get("op"), message.get("d") or {}
        if op in (7, 9):  # RequestResponse, RequestBatchResponse
            waiting = self._pending.get(data.get("requestId"))
            if waiting:
                waiting[1].append(data)
                waiting[0].set()
        elif op == 5 and self.on_event:  # Event
            try:
                self.on_event(data.get("eventType", ""), data.get("eventData") or {})
            except Exception:  # noqa: BLE001 - one bad handler must not stop the reader
                log.exception("OBS event handler failed for %s", data.get("eventType"))
