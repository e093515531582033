"""The baseline for bench/question_intake.py: a Flask-SocketIO endpoint that only inserts the
question row and emits it to the staff room.

`python bench/_bare_intake.py PORT DB_PATH` serves, on eventlet like `python server.py`:
- `POST /api/interviews/<id>/questions` {nickname, text}: one INSERT into SQLite (WAL,
  synchronous=FULL: durable when answered, as ours), COMMIT on the hub, then `event` {type: question.submitted, data}
  to the interview's /studio room; answers 201 {id};
- /studio `join` {interview_id}: enters that room; /live `join`: a no-op with an ack (the hub
  probe's ping, as on our server where a malformed join answers without touching the database).
No auth, no validation, no word list, no duplicates, no event log: what is left is the cost of
Flask, Socket.IO and one durable insert.
"""
import eventlet

eventlet.monkey_patch()

import sqlite3  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from flask import Flask, jsonify, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

app = Flask(__name__)
# Same engine.io settings as studio/platform/app.py, so only the application work differs.
socketio = SocketIO(app, async_mode="eventlet", cors_allowed_origins="*", ping_interval=10, ping_timeout=20)
DB_PATH = sys.argv[2] if len(sys.argv) > 2 else ":memory:"


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH, timeout=15, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


DB = connect()
DB.execute("CREATE TABLE IF NOT EXISTS questions (id INTEGER PRIMARY KEY, interview_id INTEGER, "
           "nickname TEXT, text TEXT, created_at REAL)")
DB.commit()


@app.post("/api/interviews/<int:interview_id>/questions")
def submit(interview_id: int):
    body = request.get_json()
    now = time.time()
    cur = DB.execute("INSERT INTO questions (interview_id, nickname, text, created_at) VALUES (?, ?, ?, ?)",
                     (interview_id, body.get("nickname", ""), body["text"], now))
    DB.commit()
    data = {"id": cur.lastrowid, "interview_id": interview_id, "nickname": body.get("nickname", ""),
            "text": body["text"], "status": "pending"}
    socketio.emit("event", {"type": "question.submitted", "data": data}, namespace="/studio",
                  to=f"interview:{interview_id}:staff")
    return jsonify({"id": cur.lastrowid}), 201


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@socketio.on("join", namespace="/studio")
def studio_join(data):
    join_room(f"interview:{int(data['interview_id'])}:staff")
    return {"ok": True}


@socketio.on("join", namespace="/live")
def live_join(_data=None):
    return {"ok": False}


if __name__ == "__main__":
    import eventlet.wsgi

    eventlet.wsgi.server(eventlet.listen(("127.0.0.1", int(sys.argv[1]))), app, log_output=False,
                         max_size=100_000)
