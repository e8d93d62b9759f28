"""Knowledge search speed on a generated 10,000-article knowledge base.

    .venv/bin/python benchmarks/kb_speed.py [--articles N] [--queries N] [--seed N]

Writes a deterministic (seeded) Swedish knowledge base into a temporary directory, loads it
with ``KnowledgeBase.from_directory`` and times the load and each search (median and p99).
In the same run, a full scan with rapidfuzz ``token_set_ratio`` over the same article texts
answers the same questions, for comparison.

The generated articles have no example questions, so the example memory's cost is measured
on the shipped knowledge base: every labelled question searched with its memory, and again
with the memory left out, in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.kb_quality import SETS, load_cases  # noqa: E402
from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.text import fold  # noqa: E402


# Real words of the domain, so the generated articles exercise synonyms, compounds and
# stemming like the shipped ones do; made-up words give the long tail of a large corpus.
def _listed(text: str) -> list[str]:
    return text.split()


TOPIC_WORDS = _listed(
    "lösenord konto inloggning vpn wifi nätverk skrivare utskrift skanner dator laptop mobil "
    "telefon surfplatta skärm dockningsstation tangentbord mus headset mikrofon kamera ljud "
    "teams möte kalender mejl outlook inkorg brevlåda bilaga formulär e-tjänst bankid siths "
    "kortläsare behörighet mapp filserver onedrive sharepoint synkronisering program licens "
    "installation uppdatering webbläsare cache kakor virus länk nätfiske tvåstegsverifiering "
    "authenticator kod notis batteri laddare viloläge skärmlås röstbrevlåda växel journal "
    "verksamhetssystem ekonomisystem diarium gästnätverk besökare hjälpmedel talsyntes"
)
PROBLEM_WORDS = _listed(
    "fungerar startar kraschar hänger låst spärrad saknas försvunnen långsam seg ansluter "
    "kopplar synkar skriver laddar öppnas visas hittar glömt byta återställa beställa "
    "installera dela flytta rensa"
)
FILLER = _listed(
    "och att det som en på är för med till av om inte du kan så har den ett eller när "
    "sedan först gå till välj klicka öppna kontrollera starta om vänta några minuter "
    "kontakta servicedesken berätta vilken enhet felmeddelande inställningar"
)
SYLLABLES = _listed("ka lo mi ne ru sa te vi bo da fe gi ho ju ky la me ni po ri st tr sk")
OFF_TOPIC = ("när har biblioteket öppet", "hur ansöker jag om bygglov", "vad blir det för väder")


def made_up_words(rng: random.Random, count: int) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def write_articles(root: Path, count: int, rng: random.Random) -> list[str]:
    """Writes ``count`` articles into ``root/sv``; returns each article's searchable text."""
    tail = made_up_words(rng, 6000)
    # A Zipf-like tail: a few made-up words are common, most are rare.
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(tail))))
    directory = root / "sv"
    directory.mkdir(parents=True)
    texts: list[str] = []
    for number in range(count):
        topic = rng.sample(TOPIC_WORDS, 2)
        product = rng.choice(tail)
        title = f"{topic[0].capitalize()} {rng.choice(PROBLEM_WORDS)} i {product} {topic[1]}"
        tags = [*topic, product, rng.choice(PROBLEM_WORDS)]
        sentences = []
        for _ in range(rng.randint(6, 16)):
            words = rng.choices(FILLER, k=rng.randint(4, 9))
            words += rng.choices(tail, cum_weights=cumulative, k=rng.randint(1, 3))
            words += rng.sample(TOPIC_WORDS, 1) + rng.sample(PROBLEM_WORDS, 1)
            rng.shuffle(words)
            sentences.append(" ".join(words).capitalize() + ".")
        body = " ".join(sentences)
        tag_list = ", ".join(f'"{tag}"' for tag in tags)
        (directory / f"article-{number:05d}.md").write_text(
            f'---\ntitle: "{title}"\nlang: sv\ntags: [{tag_list}]\n---\n{body}\n',
            encoding="utf-8",
        )
        texts.append(fold(f"{title} {' '.join(tags)} {body}"))
    return texts


def questions(texts: list[str], rng: random.Random, count: int) -> list[str]:
    """Questions as people type them: a few words of an article, sometimes misspelt."""
    asked: list[str] = []
    for _ in range(count):
        words = rng.choice(texts).split()[:12]
        picked = rng.sample(words, min(len(words), rng.randint(2, 5)))
        if rng.random() < 0.3:
            victim = rng.randrange(len(picked))
            word = picked[victim]
            if len(word) > 4:
                cut = rng.randrange(1, len(word) - 1)
                picked[victim] = word[:cut] + word[cut + 1 :]
        asked.append(" ".join(picked))
    return asked + list(OFF_TOPIC) * max(1, count // 50)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--baseline-queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        started = time.perf_counter()
        texts = write_articles(root, args.articles, rng)
        written = time.perf_counter() - started

        started = time.perf_counter()
        base = KnowledgeBase.from_directory(root)
        loaded = time.perf_counter() - started
        assert len(base.articles()) == args.articles, base.problems[:3]

        asked = questions(texts, rng, args.queries)
        spoc_times = []
        answered = 0
        for query in asked:
            started = time.perf_counter()
            hits = base.search(query, lang="sv", limit=3)
            spoc_times.append(time.perf_counter() - started)
            answered += bool(hits)

        baseline_asked = asked[: args.baseline_queries]
        scan_times = []
        for query in baseline_asked:
            started = time.perf_counter()
            process.extract(fold(query), texts, scorer=fuzz.token_set_ratio, limit=3)
            scan_times.append(time.perf_counter() - started)

    spoc_median = statistics.median(spoc_times) * 1000
    scan_median = statistics.median(scan_times) * 1000
    print(f"generated {args.articles} articles in {written:.1f} s (seed {args.seed})")
    print(f"spoc load (from_directory): {loaded:.2f} s")
    print(
        f"spoc search, {len(asked)} questions ({answered} answered): "
        f"median {spoc_median:.3f} ms, p99 {percentile(spoc_times, 0.99) * 1000:.3f} ms, "
        f"max {max(spoc_times) * 1000:.3f} ms"
    )
    print(
        f"full-scan rapidfuzz token_set_ratio, {len(baseline_asked)} questions: "
        f"median {scan_median:.1f} ms, p99 {percentile(scan_times, 0.99) * 1000:.1f} ms"
    )
    print(f"speed-up at the median: {scan_median / spoc_median:.0f}x")
    shipped_memory()


def shipped_memory() -> None:
    """The shipped knowledge base's search with its example memory and without it."""
    started = time.perf_counter()
    base = KnowledgeBase.from_directory(ROOT / "knowledge_base")
    loaded = time.perf_counter() - started
    cases = [case for path in SETS.values() for case in load_cases(path)]
    timed = {}
    for name in ("with the example memory", "without it"):
        times = []
        for case in cases:
            started = time.perf_counter()
            base.search(case.query, lang=case.lang, limit=3)
            times.append(time.perf_counter() - started)
        timed[name] = times
        base._snapshot = dataclasses.replace(base._snapshot, memories={})
    print(f"shipped knowledge base: load {loaded:.2f} s, {len(cases)} labelled questions")
    for name, times in timed.items():
        print(
            f"  {name}: median {statistics.median(times) * 1000:.3f} ms,"
            f" p99 {percentile(times, 0.99) * 1000:.3f} ms"
        )


if __name__ == "__main__":
    main()
