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
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_tokens(name: str) -> list[str]:
    """Lower-case, accent-free tokens with connectors and trailing legal forms removed."""
    text = strip_accents(name).lower().replace("&", " and ")
    # Legal forms first: "E.I.R.L." starts with the Portuguese connector "e".
    tokens = _strip_legal_forms([t for t in _NON_ALNUM.split(text) if t])
    return [t for t in tokens if t not in CONNECTORS] or tokens


def _strip_legal_forms(tokens: list[str]) -> list[str]:
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for size in range(min(_MAX_LEGAL_TOKENS, len(tokens) - 1), 0, -1):
            if "".join(tokens[-size:]) in LEGAL_FORMS:
                tokens = tokens[:-size]
                changed = True
                break
    return tokens


def company_key(name: str) -> str:
    """Key for de-duplication: 'ACME, S.A. de C.V.' and 'Acme' share 'acme'."""
    return "".join(name_tokens(name))
