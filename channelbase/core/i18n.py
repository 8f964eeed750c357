"""Languages: gettext catalogues for English, Spanish and Brazilian Portuguese, the request's locale, and
dates, numbers and money formatted the way each locale writes them.

The catalogues are the .po files under channelbase/locale, read directly (no compiled .mo files to keep in
step). Messages are written in English in the code and templates: `_("Register a deal")`."""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

# Our language codes (users.language) and the Babel locale each one means.
LANGUAGES = {"en": "en", "es": "es", "pt": "pt_BR"}
LANGUAGE_NAMES = {"en": "English", "es": "Español", "pt": "Português (Brasil)"}
DEFAULT_LANGUAGE = "en"

_current: ContextVar[str] = ContextVar("channelbase_language", default=DEFAULT_LANGUAGE)


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / LANGUAGES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translations(language: str) -> gettext_module.NullTranslations:
    """The catalogue of a language (English is the source text itself)."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return gettext_module.NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=LANGUAGES[language])
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext_module.GNUTranslations(compiled)


def normalise(language: str | None) -> str | None:
    """'pt-BR', 'pt_br', 'es-MX' -> 'pt', 'es'; None for languages we do not speak."""
    if not language:
        return None
    code = language.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first language of an Accept-Language header that we speak, by the browser's preference."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = normalise(tag)
        if language and quality > 0:
            choices.append((-quality, position, language))
    return min(choices)[2] if choices else None


def choose_language(profile: str | None, accept_language: str | None) -> str:
    """The user's own choice first, then the browser's, then English."""
    return normalise(profile) or from_accept_language(accept_language) or DEFAULT_LANGUAGE


def current_language() -> str:
    return _current.get()


@contextmanager
def language(code: str) -> Iterator[str]:
    """Render in this language inside the block (e-mails to a user, a page for a request)."""
    token = _current.set(normalise(code) or DEFAULT_LANGUAGE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_language(code: str) -> None:
    """For the rest of this request's context (a page render)."""
    _current.set(normalise(code) or DEFAULT_LANGUAGE)


def gettext(message: str, **values) -> str:
    text = translations(current_language()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    text = translations(current_language()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


_ = gettext


def N_(message: str) -> str:
    """Marks a message for the catalogues where it is defined; it is translated where it is shown."""
    return message


def locale() -> Locale:
    return Locale.parse(LANGUAGES[current_language()])


def format_day(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return format_datetime(value, style, locale=locale())
    return format_date(value, style, locale=locale())


def format_number(value: int | float | Decimal | None, digits: int | None = None) -> str:
    if value is None:
        return "—"
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=locale())


def format_money(amount: Decimal | int | float | None, currency: str) -> str:
    """1234.5 BRL -> 'R$ 1.234,50' in Portuguese, 'BRL 1,234.50' in English."""
    if amount is None:
        return "—"
    return format_currency(amount, currency, locale=locale())


def format_share(value: float | Decimal | None) -> str:
    return "—" if value is None else format_percent(value, locale=locale())


def install(env) -> None:
    """gettext and the locale-aware filters in a Jinja environment (pages and e-mails)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.filters["ldate"] = format_day
    env.filters["lnumber"] = format_number
    env.filters["lmoney"] = format_money
    env.filters["lshare"] = format_share
    env.globals["current_language"] = current_language
    env.globals["language_names"] = LANGUAGE_NAMES


def check_locale_data() -> None:
    """Fail at start, not on the first Spanish page, if Babel lacks a locale we promise."""
    for code in LANGUAGES.values():
        try:
            Locale.parse(code)
        except UnknownLocaleError as exc:  # pragma: no cover - Babel ships all three
            raise RuntimeError(f"Babel has no locale data for {code}") from exc
