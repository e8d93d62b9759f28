"""Fuzzy matching of catalog aliases in what people write: typos and Swedish inflections."""

from __future__ import annotations

from rapidfuzz import fuzz

# Endings of an inflected Swedish noun (skärm-en, konto-t, mapp-arna, sms-et): the same word.
INFLECTIONS = frozenset(
    [
        "n",
        "en",
        "et",
        "t",
        "na",
        "ar",
        "arna",
        "er",
        "erna",
        "or",
        "orna",
        "e",
        "r",
        "a",
        "s",
        "ns",
        "ens",
        "ets",
        "ts",
        "arnas",
        "ernas",
    ]
)


def alias_score(alias: str, tokens: list[str], folded_text: str) -> float:
    if " " in alias:
        return 100.0 if alias in folded_text else 0.0
    best = 0.0
    for token in tokens:
        if token == alias:
            return 100.0
        if len(alias) >= 3 and token.startswith(alias) and len(token) <= len(alias) + 5:
            # An inflected form outranks a longer word that only starts like the alias:
            # in "skärmen på kontoret flimrar" the screen is meant, not the account ("konto").
            best = max(best, 95.0 if token[len(alias) :] in INFLECTIONS else 86.0)
        elif len(alias) >= 5 and alias in token:
            best = max(best, 90.0)  # a compound: teamsmötet, outlookkalendern
        elif len(alias) >= 5 and abs(len(token) - len(alias)) <= 2:
            best = max(best, fuzz.ratio(token, alias))
    return best
