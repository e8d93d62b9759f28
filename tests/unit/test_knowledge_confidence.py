"""The confidence model: long polite questions are answered, off-topic ones still are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase
from bot.knowledge.confidence import (
    EVIDENCE_CAP,
    FEATURES,
    Model,
    features,
    load_judge,
    model,
)
from bot.knowledge.search import Candidate, Question, rank_index

FIXTURES = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "kb"
SHIPPED = Path(__file__).resolve().parents[2] / "knowledge_base"
POLITE = "Hej! Jag hoppas att ni kan hjälpa mig. Sedan i morse {} Tacksam för svar!"


@pytest.fixture(scope="module")
def base() -> KnowledgeBase:
    return KnowledgeBase.from_directory(FIXTURES)


def measured(base: KnowledgeBase, query: str) -> tuple[float, ...]:
    ranked = rank_index(base._snapshot.indexes["sv"], query)  # the measurements are the point
    assert ranked is not None
    return features(*ranked)


def test_a_long_polite_question_finds_its_article(base: KnowledgeBase) -> None:
    question = POLITE.format(
        "fungerar inte min mikrofon i Teams-mötena, kollegorna säger att de inte hör mig."
    )
    hits = base.search(question, lang="sv")
    assert hits
    assert hits[0].article.id == "teams-microphone"


def test_a_long_polite_off_topic_question_gets_nothing(base: KnowledgeBase) -> None:
    question = POLITE.format("undrar jag när biblioteket har öppet och om man kan låna böcker.")
    assert base.search(question, lang="sv") == []


def test_padding_does_not_lower_the_share_of_informative_words_answered(
    base: KnowledgeBase,
) -> None:
    short = measured(base, "mikrofonen funkar inte i teams")
    padded = measured(base, "mikrofonen funkar inte i teams, grannarna på avdelningen undrar")
    known = FEATURES.index("answered_known")
    everything = FEATURES.index("answered_all")
    # Words no article uses count against the whole question, not against what was answered.
    assert padded[known] >= short[known]
    assert padded[everything] < short[everything]
    assert padded[FEATURES.index("unknown")] > short[FEATURES.index("unknown")] == 0.0


def test_a_question_with_a_word_of_another_domain_is_less_likely(base: KnowledgeBase) -> None:
    plain = measured(base, "datorn är seg")
    foreign = measured(base, "datorn och bygglovet är sega")
    assert foreign[FEATURES.index("foreign")] == 1.0
    assert model().probability(foreign) < model().probability(plain)


def test_a_word_that_only_says_where_it_happened_counts_neither_way(base: KnowledgeBase) -> None:
    plain = measured(base, "datorn är seg")
    placed = measured(base, "datorn är seg på bussen och i bygglovet")
    for name in ("answered_all", "foreign", "unknown"):
        assert placed[FEATURES.index(name)] == plain[FEATURES.index(name)]
    subject = measured(base, "datorn och bussen är sega")
    assert subject[FEATURES.index("foreign")] == 1.0


def test_distinct_is_the_share_of_the_best_matches_no_other_candidate_has() -> None:
    question = Question(
        known=2.0, asked=2.0, rarest=1.0, words=2, unknown=0, foreign=0, subject=2.0
    )
    best = Candidate(0, found=2.0, strongest=1.0, similarity=80, score=90, matches=(1.0, 1.0))
    shared = Candidate(1, found=1.5, strongest=1.0, similarity=40, score=60, matches=(0.5, 1.0))
    assert features(question, [best, shared])[FEATURES.index("distinct")] == 0.25
    assert features(question, [best])[FEATURES.index("distinct")] == 1.0


def test_unanswered_action_is_the_share_of_what_a_how_to_question_asks_the_best_misses() -> None:
    # "hur spelar man in ett teams-möte": the recording (weight 3) is the action, the best
    # article answers a third of it; the meeting is answered in full.
    asked = dict(known=5.0, asked=5.0, rarest=3.0, words=2, unknown=0, foreign=0, subject=5.0)
    best = Candidate(0, found=3.0, strongest=2.0, similarity=60, score=60, matches=(1.0, 2.0))
    action = FEATURES.index("unanswered_action")
    assert features(Question(**asked, action=(0, 3.0)), [best])[action] == pytest.approx(2 / 3)
    assert features(Question(**asked, action=(1, 2.0)), [best])[action] == 0.0
    assert features(Question(**asked), [best])[action] == 0.0  # no "how": nothing to miss


def test_a_how_to_question_is_measured_by_whether_the_best_article_is_about_doing_it() -> None:
    # The shipped base knows "spela in" only from the voicemail article's greeting; a
    # question about recording a Teams meeting is matched by the Teams articles' "möte".
    shipped = KnowledgeBase.from_directory(SHIPPED)
    action = FEATURES.index("unanswered_action")
    assert measured(shipped, "hur spelar jag in ett möte i teams")[action] == 1.0
    # the voicemail article's text says it, though its title and tags do not
    assert measured(shipped, "hur spelar jag in en ny hälsning i röstbrevlådan")[action] < 0.6
    assert measured(shipped, "kameran funkar inte i teams-mötet")[action] == 0.0  # no "how"
    assert model().coefficients[action] < 0


def test_features_are_in_the_units_the_model_expects() -> None:
    question = Question(
        known=2.0, asked=5.0, rarest=1.0, words=4, unknown=2, foreign=0, subject=4.0
    )
    best = Candidate(number=0, found=2.0 * EVIDENCE_CAP, strongest=5.0, similarity=80, score=90)
    runner_up = Candidate(number=1, found=1.0, strongest=1.0, similarity=40, score=30)
    answered_known, answered_all, evidence, strongest, similarity, lead, unknown, foreign, *_ = (
        features(question, [best, runner_up])
    )
    assert (answered_known, answered_all) == (3.0, 1.5)
    assert evidence == EVIDENCE_CAP  # capped: more evidence than this is as good as certain
    assert strongest == 1.0
    assert (similarity, lead, unknown, foreign) == (0.8, 0.6, 0.5, 0.0)
    alone = features(question, [runner_up])
    assert alone[FEATURES.index("lead")] == 0.3  # with no runner-up, the lead is the score


def test_the_model_is_a_logistic_regression_with_a_cut() -> None:
    rest = (0.0,) * (len(FEATURES) - 1)
    judge = Model(intercept=-1.0, coefficients=(1.0, *rest), cut=0.5)
    assert judge.probability((1.0, *rest)) == 0.5
    assert judge.probability((3.0, *rest)) > 0.85
    assert 0.0 < judge.probability((-1000.0, *rest)) < 1e-20  # no overflow
    assert 0.0 < model().cut < 1.0


def test_a_model_file_must_name_every_measurement(tmp_path: Path) -> None:
    path = tmp_path / "confidence.yaml"
    path.write_text("intercept: 0\ncoefficients: {answered_all: 1}\ncut: 0.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="answered_known"):
        load_judge(path)
