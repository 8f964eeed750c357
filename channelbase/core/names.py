"""Company-name keys: the same company typed differently gets the same key."""

from __future__ import annotations

import re
import unicodedata

# Legal forms of the countries we sell in, written without punctuation or spaces.
LEGAL_FORMS = frozenset(
    """
    inc incorporated llc corp corporation co company ltd limited lp llp ulc plc pllc pc
    sa sab sadecv sabdecv sapidecv sapi sderldecv sderl srldecv sc scp sociedadanonima
    ltda limitada eireli me epp ss sas srl sau spa eirl eu sac saa saci sca sl slu
    cia companhia compania ca gmbh ag bv nv
    """.split()
)
CONNECTORS = frozenset({"and", "y", "e", "et", "und"})
_MAX_LEGAL_TOKENS = 8
_ALNUM_RUN = re.compile(r"[0-9a-z]+")


def _decompose(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Latin-1 and Latin Extended-A/B letters whose accent-free form is plain ASCII ("ã" -> "a", "Ç" -> "C"): a
# translate() with this table gives what _decompose gives, at a fraction of the cost (imports check names by
# the hundred thousand). Anything else (combining marks, other scripts, ligatures) takes the full path.
_ASCII_FOLD = {code: folded for code in range(0x80, 0x250) if (folded := _decompose(chr(code))).isascii()}


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_ASCII_FOLD)


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    folded = _NON_ASCII.sub(_fold_run, text)  # only the accented runs go through the table
    return folded if folded.isascii() else _decompose(text)


def name_tokens(name: str) -> list[str]:
    """Lower-case, accent-free tokens with connectors and trailing legal forms removed."""
    text = strip_accents(name).lower().replace("&", " and ")
    # Legal forms first: "E.I.R.L." starts with the Portuguese connector "e".
    tokens = _strip_legal_forms(_ALNUM_RUN.findall(text))
    return [t for t in tokens if t not in CONNECTORS] or tokens


# Every ending of a legal form ("decv", "cv", "v" of "sadecv"): trailing tokens that do not join into one
# cannot be the end of a legal form, however many tokens more are added in front.
_LEGAL_FORM_ENDINGS = frozenset(form[i:] for form in LEGAL_FORMS for i in range(len(form)))


def _strip_legal_forms(tokens: list[str]) -> list[str]:
    """Drop the longest run of trailing tokens (at most _MAX_LEGAL_TOKENS, never all) that spells a legal
    form, and again, until none does."""
    while len(tokens) > 1:
        longest = 0
        joined = ""
        for size in range(1, min(_MAX_LEGAL_TOKENS, len(tokens) - 1) + 1):
            joined = tokens[-size] + joined
            if joined not in _LEGAL_FORM_ENDINGS:
                break
            if joined in LEGAL_FORMS:
                longest = size
        if not longest:
            break
        tokens = tokens[:-longest]
    return tokens


def company_key(name: str) -> str:
    """Key for de-duplication: 'ACME, S.A. de C.V.' and 'Acme' share 'acme'."""
    return "".join(name_tokens(name))
