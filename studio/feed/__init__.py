"""The live text feed (图文直播): entries, photos, history, and the viewer page."""
from studio.platform.areas import lazy_public_names

# Public to other areas (imported on first use: studio.platform.areas).
__getattr__ = lazy_public_names(__name__, {
    "post_entry": "services",  # moderation posts a question it put to the guest (网友提问)
})


def init_app(app) -> None:
    from studio.platform.events import register_event_types
    from studio.platform.signals import snapshot_parts

    from . import pages, routes, services  # noqa: F401  (pages adds the editor and viewer pages to bp)
    from .event_types import EVENT_TYPES

    register_event_types(EVENT_TYPES)
    snapshot_parts.connect(services.snapshot_part)
    app.register_blueprint(routes.bp)
