"""The live text feed (图文直播): entries, photos, history, and the viewer page."""


def init_app(app) -> None:
    from studio.platform.events import register_event_types
    from studio.platform.signals import snapshot_parts

    from . import routes, services
    from .event_types import EVENT_TYPES

    register_event_types(EVENT_TYPES)
    snapshot_parts.connect(services.snapshot_part)
    app.register_blueprint(routes.bp)
