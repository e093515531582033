"""First run (issue 8.8), with real `flask --app server …` and `python server.py` processes:
the first-admin hint works as printed with a non-default DATA_DIR, a command on an unmigrated
database says so in one line and creates nothing, the server prints the URL it listens on."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import PASSWORD, ServerProcess

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]


def flask(env: dict, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATA_DIR", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "server", *args], cwd=ROOT,
                          env={**clean, "LOG_LEVEL": "INFO", **env}, input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_the_first_admin_hint_works_as_printed(tmp_path):
    data_dir = tmp_path / "其他 目录"  # not the default, with a space to quote
    env = {"DATA_DIR": str(data_dir)}
    assert flask(env, "db", "upgrade").returncode == 0
    hint = flask(env, "user", "hint")
    assert hint.returncode == 0, hint.stderr
    command = next(line.strip() for line in hint.stdout.splitlines() if "user create admin" in line)
    assert str(data_dir) in command
    # Pasted into a shell elsewhere, with nothing of ours in its environment:
    shell_env = {k: v for k, v in os.environ.items() if k not in ("DATA_DIR", "DATABASE_URL")}
    made = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=shell_env, input=PASSWORD + "\n",
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0 and "created admin (admin)" in made.stdout, made.stderr
    assert flask(env, "user", "hint").stdout.strip() == ""  # there is an admin now, in that DATA_DIR


def test_the_hint_repeats_a_database_url_in_force(tmp_path):
    from studio.platform.cli import first_admin_hint

    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    line = first_admin_hint({"DATA_DIR": str(tmp_path)}, {"DATABASE_URL": url})
    assert f"DATABASE_URL={url}" in line and f"DATA_DIR={tmp_path}" in line


@pytest.mark.parametrize("args", [
    ("user", "create", "bob", "--role", "admin"), ("user", "hint"), ("user", "password", "bob"),
    ("plan", "import", "tests/fixtures/plans/pukou-2024.csv", "--year", "2024"),
])
def test_a_command_on_an_unmigrated_database_says_so_and_creates_nothing(tmp_path, args):
    data_dir = tmp_path / "fresh"
    result = flask({"DATA_DIR": str(data_dir)}, *args, stdin=PASSWORD + "\n")
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines == ["Error: 数据库尚未迁移 (database not migrated)：请先运行 flask --app server db upgrade"], lines
    assert not data_dir.exists()  # no directory, no database file, no secret key


def test_an_existing_empty_sqlite_file_is_unmigrated_and_left_alone(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    result = flask({"DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{path}"}, "user", "hint")
    assert result.returncode != 0 and "数据库尚未迁移" in result.stderr
    assert path.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def test_the_server_prints_the_url_it_listens_on(tmp_path):
    server = ServerProcess(tmp_path / "srv").migrate()
    server.start()
    try:
        assert f"listening on http://127.0.0.1:{server.port}/" in server.log()
    finally:
        server.kill()


def test_the_server_refuses_a_database_behind_the_code_in_one_line(tmp_path):
    # After an update and before `db upgrade`, every page reading a new column answered 500.
    server = ServerProcess(tmp_path / "behind")
    first = next(p for p in sorted((ROOT / "migrations" / "versions").glob("0001_*.py")))
    revision = next(line.split("=", 1)[1].strip().strip("\"'") for line in first.read_text().splitlines()
                    if line.startswith("revision"))
    server.flask("db", "upgrade", "--revision", revision)
    with pytest.raises(RuntimeError) as exc:
        server.start(timeout=60)
    assert "Error: 数据库版本落后 (database schema is behind)：请先运行 flask --app server db upgrade" in str(exc.value)
    unmigrated = ServerProcess(tmp_path / "fresh")
    with pytest.raises(RuntimeError) as exc:
        unmigrated.start(timeout=60)
    assert "Error: 数据库尚未迁移 (database not migrated)" in str(exc.value)
