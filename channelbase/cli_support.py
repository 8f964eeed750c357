"""What every CLI command shares: settings, the unit of work, the acting user, error output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from rich.text import Text
from rich.console import Console
from sqlalchemy.orm import Session

from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from channelbase.core.config import get_settings
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.core.errors import DomainError

M = TypeVar("M", bound=BaseModel)

console = Console()
err_console = Console(stderr=True)
_state: dict[str, str | None] = {"as_email": None}


def set_acting_email(email: str | None) -> None:
    _state["as_email"] = email


@lru_cache
def engine():
    return make_engine(get_settings().database_url)


@contextmanager
def cli_session() -> Iterator[Session]:
    # Most commands write; with the web app running on the same SQLite file, begin with the write lock.
    with unit_of_work(make_sessionmaker(engine()), writes=True) as session:
        yield session


def cli_actor(session: Session) -> User:
    """The user named by --as, or the first active admin: the terminal acts with an admin's rights."""
    email = _state["as_email"]
    user = auth_service.active_user_by_email(session, email) if email else auth_service.first_admin(session)
    if user is None:
        fail(f"No active user {email}." if email else
             "No admin user yet: run `channelbase users create EMAIL --role admin` or `channelbase demo` first.")
    return user


def fail(message: str, code: int = 1) -> NoReturn:
    # The message may hold what the user typed: a Text is printed as is, never read as markup or
    # :emoji: codes; soft_wrap keeps file paths and names in it on one line.
    err_console.print(Text.assemble(("error: ", "red"), message), soft_wrap=True, highlight=False)
    raise typer.Exit(code)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn a service's DomainError into one red line and a non-zero exit."""
    try:
        yield
    except DomainError as exc:
        details = "".join(f"\n  {k}: {v}" for k, v in exc.field_errors.items() if k not in exc.message)
        fail(exc.message + details)


def parse_options(schema: type[M], option_for_field: dict[str, str], **values: Any) -> M:
    """Validate options into `schema` (options left out take the schema's default); on bad input exit 1
    with one line naming each bad option as the user typed it (`option_for_field` maps field -> option)."""
    try:
        return schema.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        fail("Invalid input: " + "; ".join(_option_error(error, option_for_field) for error in exc.errors()))


def _option_error(error: ErrorDetails, option_for_field: dict[str, str]) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:
        return message
    field = str(error["loc"][0])
    return f"{option_for_field.get(field, '--' + field.replace('_', '-'))}: {message}"
