"""The catalogues are complete: every message the portal, its e-mails and the shared layout show has a
Spanish and a Brazilian Portuguese translation, with the same placeholders."""

from __future__ import annotations

import re

import pytest

from channelbase.core import i18n
from channelbase.core.i18n_catalogues import extracted, source_files

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalogue(language: str):
    from babel.messages.pofile import read_po
    with i18n.catalogue_path(language).open("rb") as po:
        return read_po(po, locale=i18n.LANGUAGES[language])


def test_the_sources_hold_messages():
    messages = {message for message, _where, _line in extracted()}
    assert len(source_files()) >= 10
    assert "Register a deal" in messages and "Your sign-in link" in messages


@pytest.mark.parametrize("language", ["es", "pt"])
def test_every_message_is_translated_with_the_same_placeholders(language):
    catalogue = _catalogue(language)
    problems = []
    for message, where, line in extracted():
        entry = catalogue.get(message)
        singular = message[0] if isinstance(message, tuple) else message
        if entry is None or not entry.string or entry.fuzzy or (
                isinstance(entry.string, tuple) and not all(entry.string)):
            problems.append(f"{where}:{line}: untranslated: {singular!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        sources = message if isinstance(message, tuple) else (message,)
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for text in strings:
            found = set(PLACEHOLDER.findall(text))
            # A plural form may spell the count out ("un día"); every other placeholder must be there.
            if found - wanted or (wanted - {"num"}) - found:
                problems.append(f"{where}:{line}: placeholders differ in {text!r}")
    assert not problems, f"{len(problems)} problems in the {language} catalogue (run `make messages`, " \
                         "then translate):\n" + "\n".join(problems[:40])


def test_an_untranslated_message_is_caught(tmp_path, monkeypatch):
    """The check above fails when a new message has no translation (shown here with a fake source)."""
    from channelbase.core import i18n_catalogues
    page = tmp_path / "portal" / "templates" / "portal"
    page.mkdir(parents=True)
    (page / "new.html").write_text('<p>{{ _("A brand-new sentence nobody translated") }}</p>')
    monkeypatch.setattr(i18n_catalogues, "PACKAGE", tmp_path)
    catalogue = _catalogue("es")
    missing = [m for m, _w, _l in i18n_catalogues.extracted() if not (catalogue.get(m) and catalogue.get(m).string)]
    assert missing == ["A brand-new sentence nobody translated"]


def test_pages_render_in_the_chosen_language():
    with i18n.language("es"):
        assert i18n.gettext("Register a deal") == "Registrar una oportunidad"
    with i18n.language("pt"):
        assert i18n.gettext("Register a deal") == "Registrar um negócio"
    with i18n.language("en"):
        assert i18n.gettext("Register a deal") == "Register a deal"
