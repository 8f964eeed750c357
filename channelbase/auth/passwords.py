"""The rules a new password must meet: long enough, not a common one, not the user's own e-mail or name.

The common passwords are the 30,000 most frequent ones of the zxcvbn package's list (MIT licence), which
ships inside the package: nothing is fetched at run time."""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache
from typing import NoReturn

from channelbase.core.errors import InvalidInput
from channelbase.core.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 1024
# Shown beside password fields, translated for partner users; the number is MIN_LENGTH.
PASSWORD_RULES = N_("At least 12 characters; not a common password; not containing your e-mail address or name.")
# Shorter pieces of a name ("Li", "Jo") would refuse too many good passwords to be worth it.
MIN_PERSONAL_PIECE = 3
# Padding people add to a common password to pass a length rule: "password1234!", "!!dragon2026".
_PADDING = string.digits + string.punctuation + " "


def check_new_password(password: str, *, email: str = "", name: str = "", field: str = "password") -> None:
    """Raise InvalidInput, with the reason under `field`, if the password breaks one of PASSWORD_RULES."""
    if len(password) < MIN_LENGTH:
        _refuse(field, f"Password too short: use at least {MIN_LENGTH} characters.",
                f"at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        _refuse(field, f"Password too long: use at most {MAX_LENGTH} characters.", f"at most {MAX_LENGTH} characters")
    if is_common(password):
        _refuse(field, "This password is one of the most common ones, which attackers try first: choose another "
                       "(a few unrelated words make a good one).", "too common")
    if _contains_personal(password, email, name):
        _refuse(field, "The password contains your e-mail address or name, which attackers try first: choose "
                       "another.", "contains your e-mail or name")


def is_common(password: str) -> bool:
    """A password of the common list, one padded with digits or symbols, or one short piece repeated."""
    lowered = password.lower()
    core = lowered.strip(_PADDING)
    common = _common_passwords()
    if lowered in common or core in common or len(set(lowered)) <= 3:
        return True
    for size in range(1, len(core) // 2 + 1):
        piece, times = core[:size], len(core) // size
        if len(core) % size == 0 and piece * times == core and (size <= 4 or piece in common):
            return True
    return False


def _contains_personal(password: str, email: str, name: str) -> bool:
    folded = _fold(password)
    local = _fold(email.strip().partition("@")[0])
    pieces = {local, _fold(name).replace(" ", ""), *re.split(r"[\W\d_]+", local), *re.split(r"[\W\d_]+", _fold(name))}
    return any(len(piece) >= MIN_PERSONAL_PIECE and piece in folded for piece in pieces)


def _fold(text: str) -> str:
    """Lower case without accents, so "Lucía" and "lucia" match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # loaded on first use: the web start-up does not need it
    return frozenset(FREQUENCY_LISTS["passwords"])


def _refuse(field: str, message: str, short: str) -> NoReturn:
    raise InvalidInput(message, field_errors={field: short})
