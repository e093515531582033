"""Domain errors raised by services; turned into JSON errors (HTTP) or acks (Socket.IO) in one place."""
from __future__ import annotations


class DomainError(Exception):
    """A failure the user can act on: a code, a human message and an HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, status: int | None = None, **extra):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra

    def to_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        error.update(self.extra)
        return {"error": error}


class ValidationError(DomainError):
    status = 400
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Gone(DomainError):
    status = 410
    code = "gone"


class TooMany(DomainError):
    status = 429
    code = "too_many_requests"
