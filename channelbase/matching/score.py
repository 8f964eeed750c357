"""How alike two company names are, 0–100: exact keys first (tax id, web domain), then fuzzy names.

The fuzzy part aligns the core tokens of both names one to one (rapidfuzz's Indel and OSA
similarities, so one or two typos still align), weighs each token by how much it says about the
company (a surname or brand word counts fully, "Tecnologia" or "Hospital" little), and scores the
weighted share of both names that aligned. Tokens left over on *both* sides ("Datos Norte" vs
"Datos Sur") cost extra; left-over tokens that are the other name run together ("Data Tech" vs
"Datatech", a domain) or its initials ("CSN") still align.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA, Indel

from channelbase.matching.normalize import (
    EMPTY, NormalizedName, domain_labels, is_filler_text, is_generic, is_known_word, normalize, word_weight,
)

# Scores at or above this are the same company (chosen with bench/matching.py: see docs/benchmarks.md).
SHIPPED_THRESHOLD = 80
TAX_ID_SCORE = 100.0
DOMAIN_SCORE = 95.0
TOKEN_CUTOFF = 0.75  # one edit in a four-letter word
UNLIKELY_SLIP = 0.65
JOINED_CUTOFF = 0.88
ABBREVIATION_SIMILARITY = 0.9
ACRONYM_SIMILARITY = 0.9
INSIDE_SIMILARITY = 0.95
GENERIC_LEFT_OVER_DISCOUNT = 0.5
BOTH_SIDES_LEFT_OVER = 0.82  # each name has a word the other lacks: two different companies, usually
OTHER_COUNTRY = 0.75  # "Acme Brasil" vs "Acme México": sister companies, not the same account
FREE_MAIL = frozenset("gmail hotmail outlook yahoo live icloud uol bol terra aol protonmail".split())
_NOT_TAX_ID = re.compile(r"[^0-9A-Z]")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_SOUNDS_ALIKE = ("bv", "sz", "cs", "ck", "iy", "gj", "ei", "ou", "nm")


def _neighbour_keys() -> frozenset[frozenset[str]]:
    """Letter pairs that touch on a QWERTY keyboard (each row sits half a key right of the one above)."""
    where = {(r, c): ch for r, row in enumerate(_KEYBOARD_ROWS) for c, ch in enumerate(row)}
    touching = ((0, 1), (1, -1), (1, 0))  # right, below-left, below: the other three are the same pairs
    return frozenset(frozenset((ch, where[(r + dr, c + dc)])) for (r, c), ch in where.items()
                     for dr, dc in touching if (r + dr, c + dc) in where)


LIKELY_SLIPS = _neighbour_keys() | frozenset(frozenset(pair) for pair in _SOUNDS_ALIKE)


@dataclass(frozen=True, slots=True)
class PairScore:
    score: float
    reason: str  # "tax id", "domain", "same name", "similar name" or "" (nothing alike)


def score_names(left: str, right: str) -> float:
    """Fuzzy name similarity 0–100 ('' on either side scores 0)."""
    return score_normalized(normalize(left or ""), normalize(right or ""))


def score_pair(left: str, right: str, *, left_tax_id: str | None = None, right_tax_id: str | None = None,
               left_domain: str | None = None, right_domain: str | None = None) -> PairScore:
    """Exact keys first (same tax id: 100; same registered domain: at least 95), then the names."""
    if compact_tax_id(left_tax_id) and compact_tax_id(left_tax_id) == compact_tax_id(right_tax_id):
        return PairScore(TAX_ID_SCORE, "tax id")
    names = score_names(left, right)
    if same_registered_domain(left_domain, right_domain):
        return PairScore(max(names, DOMAIN_SCORE), "domain")
    return PairScore(names, "same name" if names >= 100 else "similar name" if names > 0 else "")


def compact_tax_id(value: str | None) -> str:
    """'12.345.678/0001-95' -> '12345678000195': tax ids compared without their punctuation."""
    return _NOT_TAX_ID.sub("", (value or "").upper())


def registered_domain(value: str | None) -> str:
    """'https://www.ventas.acme.com.mx/x' -> 'acme.com.mx'; government hosts stay whole ('campinas.sp.gov.br')."""
    host = re.sub(r"^[a-z]+://", "", (value or "").strip().lower()).split("/")[0].split("@")[-1]
    host = host.removeprefix("www.").strip(".")
    labels = host.split(".")
    if len(labels) < 2 or any(label in ("gov", "gob", "mil", "edu") for label in labels):
        return host
    label = domain_labels(host)[-1]
    return host[host.rindex(label):]


def same_registered_domain(left: str | None, right: str | None) -> bool:
    domain = registered_domain(left)
    return bool(domain) and "." in domain and domain == registered_domain(right) and \
        domain.split(".")[0] not in FREE_MAIL


# Fuzzy names --------------------------------------------------------------------------------------

def score_normalized(a: NormalizedName, b: NormalizedName) -> float:
    if a is EMPTY or b is EMPTY or not a or not b:
        return 0.0
    if a.compact == b.compact or "".join(a.raw) == "".join(b.raw):
        return 100.0 if _same_countries(a, b) else 100.0 * OTHER_COUNTRY
    alignment = _Alignment(a, b)
    share = alignment.matched / (alignment.total_a + alignment.total_b - alignment.generic_discount())
    if alignment.left_over_a >= 0.25 and alignment.left_over_b >= 0.25:
        share *= BOTH_SIDES_LEFT_OVER
    if not _same_countries(a, b):
        share *= OTHER_COUNTRY
    return round(100.0 * share, 1)


def _same_countries(a: NormalizedName, b: NormalizedName) -> bool:
    return not (a.countries and b.countries) or bool(a.countries & b.countries)


def token_similarity(a: str, b: str, raw_a: str, raw_b: str, cut_a: bool = False, cut_b: bool = False) -> float:
    """0, or how alike two tokens are when one may be the other retyped (canonical or as typed, the closer).

    `cut_a`/`cut_b`: the token was written with a period ('Calif.'), so it may be the other one cut short."""
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit():
        return 0.0
    if _abbreviates(raw_a, raw_b, b, cut_a) or _abbreviates(raw_b, raw_a, a, cut_b):
        return ABBREVIATION_SIMILARITY
    if is_known_word(raw_a) and is_known_word(raw_b):
        return 0.0  # "Integração" and "Mineração" are two words, not a typo
    return max(typo_similarity(a, b), typo_similarity(raw_a, raw_b))


def typo_similarity(a: str, b: str) -> float:
    """1 - edits/length when `b` is `a` with one slip (two in words of eight letters or more), else 0.

    A slip is a letter left out, doubled, swapped with its neighbour, or replaced by a key next to it
    or a letter that sounds alike (b/v, s/z...). Any other replaced letter, or two edits, is more often
    another name (Fernández / Hernández, Ferreira / Pereira, Bradford / Crawford) than a typo: it counts less."""
    longest = max(len(a), len(b))
    if longest < 4 or min(len(a), len(b)) < 3:
        return 0.0
    edits = OSA.distance(a, b, score_cutoff=2)
    if edits > (2 if longest >= 8 else 1):
        return 0.0
    similarity = 1.0 - edits / longest
    if edits == 2 or (len(a) == len(b) and not _is_slip(a, b)):
        similarity *= UNLIKELY_SLIP
    return similarity if similarity >= TOKEN_CUTOFF * UNLIKELY_SLIP else 0.0


def _is_slip(a: str, b: str) -> bool:
    """Same length, one letter differs (or two swapped): a neighbouring key, a look-alike sound, a swap."""
    diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(diffs) != 1 or frozenset(diffs[0]) in LIKELY_SLIPS


def _abbreviates(short: str, long: str, long_canonical: str, written_cut: bool) -> bool:
    """'Distrib' for 'Distribuidora', 'Calif.' for 'California': a generic word, or a word with a period, cut short."""
    return (len(short) >= 3 and len(long) > len(short) and long.startswith(short)
            and (written_cut or is_generic(long_canonical)))


class _Alignment:
    """Pairs the tokens of two names one to one, best pairs first, and sums the weight they carry."""

    def __init__(self, a: NormalizedName, b: NormalizedName):
        self.a, self.b = a, b
        self.weights_a = [word_weight(t) for t in a.tokens]
        self.weights_b = [word_weight(t) for t in b.tokens]
        self.total_a, self.total_b = sum(self.weights_a), sum(self.weights_b)
        self.free_a, self.free_b = set(range(len(a.tokens))), set(range(len(b.tokens)))
        self.matched = 0.0
        self._align_tokens()
        for one, other in ((self.a, self.b), (self.b, self.a)):
            self._align_joined(one, other)
        for one, other in ((self.a, self.b), (self.b, self.a)):
            self._align_inside(one, other)
        self._align_acronym()
        self.left_over_a = sum(self.weights_a[i] for i in self.free_a)
        self.left_over_b = sum(self.weights_b[j] for j in self.free_b)

    def generic_discount(self) -> float:
        """Half the weight of generic words only one name has, when it has all of the other name
        ('Cosan Indústria e Comércio' / 'Cosan'): leaving out business words is how names get shorter."""
        if self.free_a and self.free_b or not self.matched:
            return 0.0
        one, free = (self.a, self.free_a) if self.free_a else (self.b, self.free_b)
        if not all(is_generic(one.tokens[i]) for i in free):
            return 0.0
        weights = self.weights_a if one is self.a else self.weights_b
        return GENERIC_LEFT_OVER_DISCOUNT * sum(weights[i] for i in free)

    def _align_tokens(self) -> None:
        a, b = self.a, self.b
        pairs = [(token_similarity(ta, tb, a.raw[i], b.raw[j], a.raw[i] in a.cut_short, b.raw[j] in b.cut_short), i, j)
                 for i, ta in enumerate(a.tokens) for j, tb in enumerate(b.tokens)]
        for similarity, i, j in sorted((p for p in pairs if p[0] > 0), reverse=True):
            if i in self.free_a and j in self.free_b:
                self._take([i], [j], similarity)

    def _take(self, left: list[int], right: list[int], similarity: float) -> None:
        """Mark tokens as aligned; `left` are indexes into a, `right` into b."""
        self.free_a.difference_update(left)
        self.free_b.difference_update(right)
        weight = sum(self.weights_a[i] for i in left) + sum(self.weights_b[j] for j in right)
        self.matched += weight * similarity

    def _side(self, name: NormalizedName) -> tuple[set[int], list[float]]:
        return (self.free_a, self.weights_a) if name is self.a else (self.free_b, self.weights_b)

    def _align_joined(self, one: NormalizedName, other: NormalizedName) -> None:
        """A left-over token that is two to four left-over neighbours of the other name run together."""
        free_one, free_other = self._side(one)[0], self._side(other)[0]
        for i in sorted(free_one):
            token = one.raw[i]
            for run in _runs(sorted(free_other)):
                similarity = Indel.normalized_similarity(token, "".join(other.raw[j] for j in run))
                if len(token) >= 4 and similarity >= JOINED_CUTOFF:
                    self._take(*(([i], run) if one is self.a else (run, [i])), similarity)
                    break

    def _align_inside(self, one: NormalizedName, other: NormalizedName) -> None:
        """A long left-over token that holds left-over words of the other name: a domain such as
        'companhiapradomendesseguros' for 'Companhia Prado Mendes de Seguros'."""
        (free_one, weights_one), (free_other, weights_other) = self._side(one), self._side(other)
        for i in sorted(free_one):
            token = one.raw[i]
            found = [j for j in sorted(free_other, key=lambda j: -len(other.raw[j]))
                     if len(token) >= 8 and len(other.raw[j]) >= 3 and other.raw[j] in token]
            if not found or (len(found) < 2 and len(one.tokens) > 1):
                continue  # 'Prescott' holds 'Scott', but only a one-word name is a run-together name
            rest = token
            for j in found:
                rest = rest.replace(other.raw[j], " ", 1)
            covered = 1.0 - sum(len(w) for w in rest.split() if not is_filler_text(w)) / len(token)
            free_one.discard(i)
            free_other.difference_update(found)
            self.matched += weights_one[i] * covered + sum(weights_other[j] for j in found) * INSIDE_SIMILARITY

    def _align_acronym(self) -> None:
        """'CSN' for 'Companhia Siderúrgica Nacional', 'P&G' for 'Procter & Gamble'."""
        for short, free_short, long, free_long, short_is_a in ((self.a, self.free_a, self.b, self.free_b, True),
                                                               (self.b, self.free_b, self.a, self.free_a, False)):
            if not free_short or not free_long:
                continue
            letters = "".join(short.raw[i] for i in sorted(free_short))
            initials = "".join(long.raw[j][0] for j in sorted(free_long))
            if 2 <= len(letters) <= 6 and letters.isalpha() and letters in (initials, long.initials):
                left, right = (sorted(free_short), sorted(free_long)) if short_is_a else \
                    (sorted(free_long), sorted(free_short))
                self._take(left, right, ACRONYM_SIMILARITY)
                return


def _runs(indexes: list[int]) -> list[list[int]]:
    """Runs of 2–4 consecutive indexes: [1, 2, 3] -> [1, 2], [1, 2, 3], [2, 3]."""
    runs = []
    for start in range(len(indexes)):
        for end in range(start + 2, min(start + 4, len(indexes)) + 1):
            run = indexes[start:end]
            if run[-1] - run[0] == len(run) - 1:
                runs.append(run)
    return runs
