"""The baseline for bench/feed_fanout.py: python-socketio on eventlet that only broadcasts.

`python bench/_bare_server.py PORT` serves /live with a `join` {interview_id} that enters the
same room our server uses, and `POST /post` {interview_id, text} that emits `event` to it. No
database, no auth: what is left is the cost of Socket.IO fan-out itself.
"""
import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402

import eventlet.wsgi  # noqa: E402
import socketio  # noqa: E402

# Same engine.io settings as studio/platform/app.py, so only the application work differs.
sio = socketio.Server(async_mode="eventlet", cors_allowed_origins="*", ping_interval=10, ping_timeout=20)
seq = 0


def room(interview_id: int) -> str:
    return f"interview:{int(interview_id)}:public"


@sio.on("join", namespace="/live")
def join(sid, data):
    if not isinstance(data, dict) or data.get("interview_id") is None:
        return {"ok": False}  # the hub probe's ping: answered without work, as on our server
    sio.enter_room(sid, room(data["interview_id"]), namespace="/live")
    return {"ok": True, "last_seq": seq, "events": []}


def http_app(environ, start_response):
    global seq
    if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/post":
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        seq += 1
        sio.emit("event", {"seq": seq, "type": "feed.posted", "data": {"text": body["text"]}, "prev": seq - 1},
                 to=room(body["interview_id"]), namespace="/live")
        start_response("201 Created", [("Content-Type", "application/json")])
        return [json.dumps({"seq": seq}).encode()]
    if environ["PATH_INFO"] == "/healthz":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


if __name__ == "__main__":
    port = int(sys.argv[1])
    # max_size as in server.py: eventlet's default pool (1024) would cap the connections.
    eventlet.wsgi.server(eventlet.listen(("127.0.0.1", port)), socketio.WSGIApp(sio, http_app),
                         log_output=False, max_size=100_000)
