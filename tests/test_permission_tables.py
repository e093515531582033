"""Every role check names an entry of its area's permission table (studio/platform/auth.py's
permission_table): routes through require_permission / require_page_permission, socket actions
through roles=PERMISSIONS[...]. So changing a table changes the routes, the socket actions and
the permission tests (which read the same tables) together; nothing retypes a role tuple.
"""
from __future__ import annotations

from studio.platform.auth import PERMISSION_TABLES, Permission
from studio.platform.http import _view_attr
from studio.platform.models import ROLES


def _permission(name: str) -> Permission:
    area, _, key = name.partition(".")
    return PERMISSION_TABLES[area][key]


def test_every_route_with_roles_takes_them_from_a_table(app):
    checked, loose = 0, []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = _view_attr(view, "required_roles")
        if roles is None:
            continue
        name = _view_attr(view, "permission")
        if name is None:
            loose.append((rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}), roles))
            continue
        assert tuple(roles) == tuple(_permission(name)), (rule.rule, name, roles)
        checked += 1
    assert not loose, f"routes with retyped roles: {loose}"
    assert checked > 100  # every area's routes were seen


def test_every_staff_socket_action_takes_its_roles_from_a_table(app):
    from studio.platform.sockets import SOCKET_ACTIONS

    staff = {name: roles for name, (namespace, roles, _doc) in SOCKET_ACTIONS.items() if namespace == "/studio"}
    assert {"join", "question.claim", "cue.advance", "obs.onair"} <= set(staff)
    loose = {name: roles for name, roles in staff.items() if not isinstance(roles, Permission)}
    assert not loose, f"socket actions with retyped roles: {loose}"
    for roles in staff.values():
        assert roles is _permission(roles.name)
    public = [name for name, (namespace, roles, _doc) in SOCKET_ACTIONS.items() if namespace != "/studio"]
    assert all(not SOCKET_ACTIONS[name][1] for name in public)  # /live is the public's


def test_tables_name_known_roles_and_every_area_has_one(app):
    assert {"platform", "interviews", "plans", "feed", "cues", "obs", "venues", "policy", "programme", "openday",
            "moderation", "publishing"} <= set(PERMISSION_TABLES)
    for area, table in PERMISSION_TABLES.items():
        for key, permission in table.items():
            assert permission.name == f"{area}.{key}" and set(permission) <= set(ROLES)
            assert "admin" in permission.granted
