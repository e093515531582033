"""Entry point: `python server.py` serves HTTP and Socket.IO with eventlet; `flask --app server …` runs commands."""
import os
import warnings

# eventlet 0.36+ warns on import that it is in maintenance mode: nothing an operator can act on,
# and it would bury the one line a command prints.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

if os.environ.get("FANGTAN_NO_EVENTLET") != "1" and __name__ == "__main__":
    import eventlet

    eventlet.monkey_patch()

from studio.app import create_app  # noqa: E402
from studio.platform.extensions import socketio  # noqa: E402

app = create_app()


def _raise_open_files_limit() -> None:
    """Every viewer's socket is an open file: lift the soft limit (often 1024) to the hard one."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


if __name__ == "__main__":
    import sys

    from studio.platform.cli import migration_problem  # noqa: E402

    # A database behind the code (after an update, before `db upgrade`) would answer 500 on every
    # page that reads a new column: refuse in one line instead, like the CLI commands.
    problem = migration_problem(app.config["DATABASE_URL"])
    if problem:
        print(f"Error: {problem}", file=sys.stderr)
        sys.exit(2)
    _raise_open_files_limit()
    from studio.platform.serving import serve  # noqa: E402

    serve(app, socketio)  # prints the URL it listens on once the socket is bound
