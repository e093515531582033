"""Every route, socket action, event type and setting is documented (a new one without docs fails)."""
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _api_docs() -> str:
    return "\n".join(p.read_text() for p in [DOCS / "API.md", *sorted((DOCS / "api").glob("*.md"))])


def _norm(path: str) -> str:
    return re.sub(r"<[^>]*>", "<>", path)


def test_every_http_route_is_in_the_api_docs(app):
    text = _api_docs()
    documented = {(m, _norm(p)) for m, p in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`", text)}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, _norm(rule.rule)) not in documented:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "undocumented routes (add `METHOD /path` to docs/API.md or docs/api/*.md):\n" + "\n".join(missing)


def test_every_event_type_and_socket_action_is_in_the_api_docs(app):
    from studio.platform.events import EVENT_TYPES
    from studio.platform.sockets import SOCKET_ACTIONS

    text = _api_docs()
    missing = [f"event {name}" for name in EVENT_TYPES if f"`{name}`" not in text]
    missing += [f"socket action {name}" for name in SOCKET_ACTIONS if f"`{name}`" not in text]
    assert not missing, "undocumented:\n" + "\n".join(missing)


def test_every_setting_is_in_configuration_docs():
    from studio.platform.config import SETTINGS

    text = (DOCS / "configuration.md").read_text()
    missing = [name for name in SETTINGS if f"`{name}`" not in text]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"
