"""Keeping the catalogues in step with the code: which files hold translatable messages, extracting them,
and merging them into each language's .po file (`make messages`). The test that fails on an
untranslated string extracts with the same function."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from channelbase.core import i18n

PACKAGE = Path(__file__).resolve().parent.parent
# What partner users read (the portal, the pages before sign-in, the shared layout) and every e-mail
# they get. The manager side is marked up as it is translated; its files join this list then.
SOURCES = [
    "portal/*.py",
    "portal/templates/portal/*.html",
    "portal/templates/portal/mail/*.txt",
    "portal/templates/portal/mail/*.html",
    "web/templates/base.html",
    "auth/templates/auth/login.html",
    "auth/templates/auth/account.html",
    "auth/passwords.py",
    "recruitment/application_texts.py",
    "recruitment/templates/recruitment/apply.html",
    "recruitment/templates/recruitment/apply_thanks.html",
    "plans/web_portal.py",
    "plans/templates/plans/portal_plan.html",
    "plans/templates/plans/_board.html",
    "surveys/answering.py",
    "surveys/mails.py",
    "surveys/templates/surveys/_answer_form.html",
    "surveys/templates/surveys/portal.html",
    "surveys/templates/surveys/public*.html",
    "surveys/templates/surveys/mail/*.txt",
    "surveys/templates/surveys/mail/*.html",
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def source_files() -> list[Path]:
    return sorted({path for pattern in SOURCES for path in PACKAGE.glob(pattern)})


def extracted() -> Iterator[tuple[str | tuple[str, ...], str, int]]:
    """(message or (singular, plural), file relative to the package, line) for every marked message."""
    for path in source_files():
        method: Any = "python" if path.suffix == ".py" else babel_extract
        with path.open("rb") as handle:
            for line, message, _comments, _context in extract(method, handle, keywords=KEYWORDS,
                                                              options={} if method == "python" else JINJA_OPTIONS):
                yield message, str(path.relative_to(PACKAGE)), line


def template_catalog() -> Catalog:
    catalog = Catalog(project="Channelbase", charset="utf-8")
    for message, where, line in extracted():
        catalog.add(message, locations=[(where, line)])
    return catalog


def update_catalogues() -> list[Path]:
    """Merge the extracted messages into every language's .po file (new ones untranslated, gone ones
    kept as obsolete) and write the template next to them."""
    template = template_catalog()
    written = []
    i18n.LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (i18n.LOCALE_DIR / "messages.pot").open("wb") as pot:
        write_po(pot, template, omit_header=False, sort_output=True)
    for language, code in i18n.LANGUAGES.items():
        if language == i18n.DEFAULT_LANGUAGE:
            continue
        path = i18n.catalogue_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=code)
        else:
            catalog = Catalog(locale=code, project="Channelbase", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as po:
            write_po(po, catalog, sort_output=True, include_previous=False, width=110)
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in update_catalogues():
        print(f"updated {written_path}")
