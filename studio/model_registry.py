"""Imports every package's models so Alembic and create_all see the whole schema."""
import importlib

from . import models  # noqa: F401

# Each package adds its models module here when it has one.
for _module in ("studio.recordings", "studio.obs.models", "studio.cues.models", "moderation.models",
                "publishing.models", "studio.programme.models",
                "studio.openday.models", "studio.venues.models", "studio.policy.models"):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:
        # Only "this package has no models yet" is expected; a broken import inside one is not.
        if not _module.startswith(exc.name or "\0"):
            raise
