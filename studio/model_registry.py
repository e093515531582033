"""Imports every area's models so Alembic and create_all see the whole schema."""
import importlib

from studio.app import AREAS
from studio.platform import models  # noqa: F401

for _area in AREAS + ("studio.recordings",):
    try:
        importlib.import_module(f"{_area}.models")
    except ModuleNotFoundError as exc:
        # Only "this area has no models module" is expected; a broken import inside one is not.
        if exc.name != f"{_area}.models":
            raise
importlib.import_module("studio.recordings")  # its tables live in the package itself
