"""Errors that services raise and every adapter renders the same way."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None, link: str | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        self.link = link


class NotFound(DomainError):
    status = 404


class NotPermitted(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class StaleEdit(Conflict):
    """Someone saved the record after the editor loaded it."""


class Duplicate(Conflict):
    """The record already exists; `link` points at it."""


class InvalidInput(DomainError):
    status = 422
