"""Pure page modules (the host's and moderation's *_state.js) run in Node, without a browser.

Each module exports its api when `module` exists (Node), so Node requires the file as it is
served; a test's script prints one JSON line, which comes back as Python data.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="needs node")


def module_runner(module: str, name: str):
    """A function running a script in Node with `module` (a path from the repository root)
    required as `name`, returning what the script printed, read as JSON."""
    path = json.dumps(str(ROOT / module))

    def run(script: str):
        out = subprocess.run(["node", "-e", f"const {name} = require({path});\n{script}"],
                             capture_output=True, text=True, timeout=30, check=True)
        return json.loads(out.stdout)

    return run
