"""The one shape of every JSON API error, and the error responses each API router documents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """Every error: a message saying what to do next, per-field messages, and a link to the record concerned."""

    detail: str
    errors: dict[str, str] | None = None
    link: str | None = None


# `responses=` of every API router: the errors any route may answer with.
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing, invalid or revoked token"},
    403: {"model": ErrorBody, "description": "Your role may not do this"},
    404: {"model": ErrorBody, "description": "No such record, or you may not see it"},
    409: {"model": ErrorBody, "description": "Duplicate, or changed by someone else since you read it"},
    422: {"model": ErrorBody, "description": "Invalid input"}}

UNSTORABLE = ("A value in the request cannot be stored: a number or date out of range (ids go up to 2147483647) "
              "or text with a NUL character. Nothing was saved; correct it and try again.")
NUL_CHARACTER = "must not contain the NUL character (\\u0000): remove it"
