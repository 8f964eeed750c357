"""An in-memory index over many company names: block on shared (or one-slip-away) rare tokens, then score.

Scoring a name against 200,000 others one by one takes seconds; almost all of them share no word
with it. The index keeps, per canonical token, the ids of the names that have it (an inverted
index), and per token of the vocabulary its one-deletion variants, so a query token finds the
vocabulary tokens one slip away ("Horizonet" -> "horizonte") without scanning. Candidates are
ranked by the rarity (idf) of the tokens they share — rare tokens first, and very common tokens
only when nothing rarer matched — and the best few are scored with `score.score_normalized`.
"""

from __future__ import annotations

import heapq
import math
import unicodedata
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from channelbase.matching.normalize import NormalizedName, normalize, word_weight
from channelbase.matching.score import score_normalized, typo_similarity

CANDIDATES = 48  # names scored in full per query
SHORTLIST = 400  # names ranked by rapidfuzz before that, best blocking votes first
MIN_SHARE = 0.3  # a candidate shares at least this part of the query's token weight
COMMON_SHARE = 0.05  # tokens in more than 5% of the names block only when nothing rarer matched
MIN_SEGMENT = 3


@dataclass(frozen=True, slots=True)
class Hit:
    id: int
    name: str
    score: float


class NameIndex:
    """Names by id; `best_matches(query)` returns the most similar ones with their scores."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}
        self._folded: dict[int, str] = {}  # the names as rapidfuzz compares them
        self._postings: dict[str, array] = {}
        self._variants: dict[str, list[str]] = {}  # one-deletion variant -> vocabulary tokens

    @classmethod
    def build(cls, items: Iterable[tuple[int, str]]) -> NameIndex:
        index = cls()
        for id_, name in items:
            index.add(id_, name)
        return index

    def __len__(self) -> int:
        return len(self._names)

    def add(self, id_: int, name: str) -> None:
        """Index a name (an id added twice keeps its last name; the old tokens still point to it)."""
        self._names[id_] = name
        self._folded[id_] = _fold(name)
        normalized = normalize(name)
        # Canonical and typed tokens: a typo in 'Advogados' is one slip from 'advogados', not from 'abogados'.
        for token in set(normalized.tokens) | set(normalized.raw):
            postings = self._postings.get(token)
            if postings is None:
                postings = self._postings[token] = array("q")
                for variant in _deletions(token):
                    self._variants.setdefault(variant, []).append(token)
            postings.append(id_)

    def name(self, id_: int) -> str:
        return self._names[id_]

    def best_matches(self, query: str | NormalizedName, limit: int = 5, min_score: float = 0.0,
                     exclude: int | None = None, candidates: int = CANDIDATES) -> list[Hit]:
        """The `limit` best-scoring names at or above `min_score`, best first, among the `candidates`
        names the blocking step and rapidfuzz rank highest."""
        wanted = normalize(query) if isinstance(query, str) else query
        if not wanted or not self._names:
            return []
        hits = []
        for id_ in self._shortlist(wanted, self._candidates(wanted, exclude), candidates):
            name = self._names[id_]
            score = score_normalized(wanted, normalize(name))
            if score >= min_score and score > 0:
                hits.append(Hit(id_, name, score))
        hits.sort(key=lambda hit: (-hit.score, hit.name, hit.id))
        return hits[:limit]

    # Blocking -------------------------------------------------------------------------------------

    def _candidates(self, wanted: NormalizedName, exclude: int | None) -> list[int]:
        votes: dict[int, float] = {}
        total = 0.0
        common = max(1000, int(len(self._names) * COMMON_SHARE))
        for weight, postings in sorted(self._matching_postings(wanted), key=lambda item: len(item[1])):
            total += weight
            if len(postings) > common and votes:
                # Rare-token preference: a common word only ranks the names found through a rarer one.
                for id_ in postings:
                    if id_ in votes:
                        votes[id_] += weight
                continue
            for id_ in postings:
                votes[id_] = votes.get(id_, 0.0) + weight
        votes.pop(exclude, None)  # type: ignore[arg-type]
        floor = MIN_SHARE * total
        best = heapq.nlargest(SHORTLIST, votes.items(), key=lambda item: item[1])
        return [id_ for id_, vote in best if vote >= floor]

    def _shortlist(self, wanted: NormalizedName, ids: list[int], size: int) -> list[int]:
        """The `size` names most like the query by rapidfuzz's token_set_ratio (in C): many names
        can share the query's rarest word ('Bezerra'), and the blocking votes alone would tie."""
        if len(ids) <= size:
            return ids
        choices = {id_: self._folded[id_] for id_ in ids}
        ranked = process.extract(" ".join(wanted.raw), choices, scorer=fuzz.token_set_ratio, limit=size)
        return [id_ for _name, _score, id_ in ranked]

    def _matching_postings(self, wanted: NormalizedName) -> list[tuple[float, array]]:
        """(weight, ids) for every vocabulary token a query token may be: itself, one slip away, or a
        piece of it when it is several words run together ('cerveceriaregia')."""
        found: dict[str, float] = {}
        for token in dict.fromkeys(wanted.tokens + wanted.raw):
            for vocabulary_token, similarity in self._similar_tokens(token):
                weight = similarity * word_weight(token)
                found[vocabulary_token] = max(found.get(vocabulary_token, 0.0), weight)
        size = len(self._names) + 1
        return [(weight * math.log(size / len(self._postings[t])), self._postings[t]) for t, weight in found.items()]

    def _similar_tokens(self, token: str) -> list[tuple[str, float]]:
        if token in self._postings:
            return [(token, 1.0)]
        similar = {}
        for variant in (token, *_deletions(token)):
            # A letter too many in the query ('Lecdesma'), one left out ('Ledsma') or one changed ('Ledezma').
            candidates = self._variants.get(variant, [])
            if variant in self._postings:
                candidates = [*candidates, variant]
            for candidate in candidates:
                similarity = typo_similarity(token, candidate)
                if similarity:
                    similar[candidate] = similarity
        if not similar and len(token) >= 2 * MIN_SEGMENT:
            similar = {piece: 1.0 for piece in self._pieces(token)}
        return list(similar.items())

    def _pieces(self, token: str) -> list[str]:
        """Greedy longest-first split of a run-together token into vocabulary tokens."""
        pieces, start = [], 0
        while start <= len(token) - MIN_SEGMENT:
            for end in range(len(token), start + MIN_SEGMENT - 1, -1):
                if token[start:end] in self._postings:
                    pieces.append(token[start:end])
                    start = end
                    break
            else:
                start += 1
        return pieces


def _fold(text: str) -> str:
    """Lower case without accents, for rapidfuzz (the C codec is ten times faster than core.names' loop)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def _deletions(token: str) -> set[str]:
    """The token with one letter left out, for tokens long enough to have typos (four letters or more)."""
    if len(token) < 4 or token.isdigit():
        return set()
    return {token[:i] + token[i + 1:] for i in range(len(token))}
