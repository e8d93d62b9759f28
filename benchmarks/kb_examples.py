"""Writes the labelled questions of the tuning sets as the shipped example memory.

    .venv/bin/python benchmarks/kb_examples.py [--kb DIR]

``<kb>/examples.yaml`` (``bot/knowledge/memory.py``) gets every question of the sets that
``kb_quality.py`` reads: on-topic ones under their (first) article, off-topic ones as
unanswered. The file is data a knowledge manager edits afterwards; running this again
replaces it. Questions of a set written from now on are measured blind *before* they join.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.kb_quality import SETS, load_cases  # noqa: E402
from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.knowledge.memory import FILE_NAME  # noqa: E402
from bot.knowledge.model import LANGUAGES  # noqa: E402

HEADER = """\
# Questions people asked, and the article that answered them (answered) or that no article
# should answer (unanswered): evidence for the knowledge search's confidence decision, see
# bot/knowledge/memory.py. Add questions under an article's id; an article without any is
# judged by its words alone. Started from the labelled tuning sets (benchmarks/kb_examples.py).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\\n")[0])
    parser.add_argument("--kb", type=Path, default=ROOT / "knowledge_base")
    args = parser.parse_args()
    base = KnowledgeBase.from_directory(args.kb)
    data: dict[str, dict[str, object]] = {}
    for lang in LANGUAGES:
        ids = {article.id for article in base.articles(lang)}
        answered: dict[str, list[str]] = {}
        unanswered: list[str] = []
        for path in SETS.values():
            for case in load_cases(path):
                # "the computer is dead" is labelled with a Swedish-only article
                if case.lang != lang or (case.expected and case.expected[0] not in ids):
                    continue
                chosen = answered.setdefault(case.expected[0], []) if case.expected else unanswered
                if case.query not in chosen:
                    chosen.append(case.query)
        data[lang] = {"answered": dict(sorted(answered.items())), "unanswered": unanswered}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    (args.kb / FILE_NAME).write_text(HEADER + text, encoding="utf-8")
    count = sum(len(found) for section in data.values() for found in section["answered"].values())  # type: ignore[attr-defined]
    print(f"written {args.kb / FILE_NAME}: {count} answered questions")


if __name__ == "__main__":
    main()
