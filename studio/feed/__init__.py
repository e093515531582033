"""The live text feed (图文直播): entries, photos, history, and the viewer page."""


def init_app(app) -> None:
    from . import routes
    app.register_blueprint(routes.bp)
