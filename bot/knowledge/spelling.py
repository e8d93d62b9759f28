"""Word-level typo tolerance: "outlok" -> "outlook", "lösenrod" -> "lösenord".

Candidates come from a deletion index (the SymSpell idea): every known word is filed under
itself and each way of dropping one letter. A typed word looks itself up the same way, so a
lookup costs a few dozen dictionary probes however large the vocabulary is; rapidfuzz's
Damerau-Levenshtein distance then picks among the handful of candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rapidfuzz.distance import DamerauLevenshtein, Indel

# Short words have too many neighbours to correct safely ("mus" is one letter from "mis").
_SHORTEST = 4
_SUBSTITUTABLE = 6  # from this length on, a wrong letter still leaves the word recognisable
_LONG = 7  # from this length on, two mistakes are still recognisable


class Speller:
    def __init__(self, frequencies: Mapping[str, int]) -> None:
        self._frequencies = dict(frequencies)
        self._index: dict[str, list[str]] = {}
        for word in self._frequencies:
            if len(word) >= _SHORTEST - 1:
                for key in _deletions(word, 1):
                    self._index.setdefault(key, []).append(word)

    def correct(self, word: str) -> str | None:
        """The most frequent known word closest to ``word``, or None when none is close."""
        if len(word) < _SHORTEST or word in self._frequencies:
            return None
        limit = 2 if len(word) >= _LONG else 1
        candidates = {
            known for key in _deletions(word, limit) for known in self._index.get(key, ())
        }
        best: tuple[int, int, str] | None = None
        for known in candidates:
            distance = DamerauLevenshtein.distance(word, known, score_cutoff=limit)
            if distance > limit or not _plausible(word, known, distance):
                continue
            rank = (distance, -self._frequencies[known], known)
            if best is None or rank < best:
                best = rank
        return best[2] if best else None


def _plausible(word: str, known: str, distance: int) -> bool:
    """Whether the difference looks like a slip of the fingers rather than another word.

    People rarely miss the first letter, so a different first letter is one mistake at most
    ("autlook"); allowing more turns "hemtjänst" into "e-tjänst". In a short word a changed
    letter makes another word ("skämt" is not "skumt"): only a letter too many, too few or
    two swapped are taken for typos there.
    """
    if known[0] != word[0] and (distance > 1 or len(word) < _SUBSTITUTABLE):
        return False
    if len(word) >= _SUBSTITUTABLE:
        return True
    return Indel.distance(word, known) <= 1 or sorted(word) == sorted(known)


def _deletions(word: str, depth: int) -> Iterable[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {item[:i] + item[i + 1 :] for item in frontier for i in range(len(item))}
        found |= frontier
    return found
