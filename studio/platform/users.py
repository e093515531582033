"""Staff account management (admin only): list, create, change role, disable, reset password."""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from sqlalchemy import select

from .auth import (create_user, drop_ended_staff_sockets, end_user_sessions,
                   require_permission, set_password, user_json)
from .db import Session
from .errors import Forbidden, NotFound, ValidationError
from typing import Literal

from pydantic import Field

from .http import Body, declare, error_code
from .models import ROLES, User
from .permissions import PERMISSIONS
from .timefmt import iso

bp = Blueprint("users", __name__)

ROLE_LABELS = {"admin": "管理员", "host": "主持人", "moderator": "审核员", "director": "导播",
               "feed_editor": "图文直播编辑", "publisher": "编辑"}


def account_json(user: User) -> dict:
    return {**user_json(user), "active": user.active, "created_at": iso(user.created_at)}


# ---- services -------------------------------------------------------------------------------

def list_accounts(session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.role, User.username)))


def get_account(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("账号不存在", code="user_not_found")
    return user


class NewAccount(Body):
    username: str = Field(json_schema_extra=error_code("missing_field"), description="登录名，不超过 80 个字符")
    password: str = Field(json_schema_extra=error_code("missing_field"), description="8 到 200 个字符")
    role: str = Field(json_schema_extra=error_code("missing_field"), description=f"{' / '.join(ROLES)}")
    display_name: str | None = Field("", description="姓名，不超过 120 个字符")


class AccountChange(Body):
    active: bool = Field(None, description="false：停用并退出其所有会话")
    role: Literal[ROLES] = Field(None, json_schema_extra=error_code("invalid_role"))
    display_name: str = Field(None, json_schema_extra=error_code("invalid_display_name"))
    password: str = Field(None, json_schema_extra=error_code("weak_password"), description="新密码：其所有会话结束")


def create_account(session, body: NewAccount) -> User:
    """Create an account from {username, password, role, display_name?}."""
    return create_user(session, body.username, body.password, body.role, body.display_name or "")


def update_account(session, actor: User, user: User, body: dict) -> User:
    """Change {active?, role?, display_name?, password?}; disabling or a new password logs the account out."""
    unknown = set(body) - {"active", "role", "display_name", "password"}
    if unknown:
        raise ValidationError(f"不能修改：{', '.join(sorted(unknown))}", code="invalid_field", field=sorted(unknown)[0])
    is_self = actor.id == user.id
    if "active" in body:
        if is_self and not body["active"]:
            raise Forbidden("不能停用自己的账号", code="cannot_disable_self")
        if user.active and not body["active"]:
            end_user_sessions(session, user.id)
        user.active = body["active"]
    if "role" in body:
        if is_self and body["role"] != user.role:
            raise Forbidden("不能修改自己的角色", code="cannot_change_own_role")
        user.role = body["role"]
    if "display_name" in body:
        name = body["display_name"]
        if not name.strip() or len(name.strip()) > 120 \
                or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            raise ValidationError("姓名不能为空，不超过 120 个字符，且不能包含控制字符", code="invalid_display_name",
                                  field="display_name")
        user.display_name = name.strip()
    if "password" in body:
        set_password(session, user, body["password"])
    session.flush()
    return user


# ---- HTTP -----------------------------------------------------------------------------------

@bp.get("/api/users")
@require_permission(PERMISSIONS["manage_accounts"])
def list_users_api():
    return jsonify({"users": [account_json(u) for u in list_accounts(Session())], "roles": list(ROLES)})


@bp.post("/api/users")
@require_permission(PERMISSIONS["manage_accounts"])
@declare(body=NewAccount, resp={201: None})
def create_user_api(body: NewAccount):
    session = Session()
    user = create_account(session, body)
    session.commit()
    return jsonify(account_json(user)), 201


@bp.patch("/api/users/<id:user_id>")
@require_permission(PERMISSIONS["manage_accounts"])
@declare(body=AccountChange)
def update_user_api(user_id: int, body: AccountChange):
    session = Session()
    user = update_account(session, g.user, get_account(session, user_id), body.model_dump(exclude_unset=True))
    session.commit()
    drop_ended_staff_sockets()
    return jsonify(account_json(user))
