"""Annual interview plan (年度访谈计划) import."""


def init_app(app) -> None:
    from . import routes
    app.register_blueprint(routes.bp)
