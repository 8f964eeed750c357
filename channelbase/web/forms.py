"""Turning HTML forms into schemas, and validation errors into messages beside each field."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from channelbase.core.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def field_errors(error: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "__all__"
        message = item["msg"].removeprefix("Value error, ")
        errors.setdefault(field, message)
    return errors


def summary(errors: dict[str, str]) -> str:
    parts = [f"{name.replace('_', ' ')}: {msg}" if name != "__all__" else msg for name, msg in errors.items()]
    return "Please fix: " + "; ".join(parts)


def parse(schema: type[M], data: dict[str, Any]) -> M:
    """Validate into `schema`, raising InvalidInput with per-field messages."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc)
        raise InvalidInput(summary(errors), field_errors=errors) from None


async def form_data(request: Request, *, booleans: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted form as a dict: checkboxes become booleans, empty optional fields None."""
    form = await request.form()
    data: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
    for name in booleans:
        data[name] = name in form and form.get(name) not in ("", "0", "false", "off")
    for name in optional:
        if data.get(name, None) == "":
            data[name] = None
    return data
