"""Fuzzy matching of catalog aliases in what people write: typos and Swedish inflections."""

from __future__ import annotations

from rapidfuzz import fuzz


def alias_score(alias: str, tokens: list[str], folded_text: str) -> float:
    if " " in alias:
        return 100.0 if alias in folded_text else 0.0
    best = 0.0
    for token in tokens:
        if token == alias:
            return 100.0
        if len(alias) >= 3 and token.startswith(alias) and len(token) <= len(alias) + 5:
            best = max(best, 95.0)
        elif len(alias) >= 5 and alias in token:
            best = max(best, 90.0)  # a compound: teamsmötet, outlookkalendern
        elif len(alias) >= 5 and abs(len(token) - len(alias)) <= 2:
            best = max(best, fuzz.ratio(token, alias))
    return best
