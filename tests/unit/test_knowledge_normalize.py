"""Normalisation: folding, inflection, compounds, synonyms and typos, word by word."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.knowledge.analyzer import Analyzer
from bot.knowledge.lexicon import lexicon
from bot.knowledge.query import CORRECTED, QueryParser
from bot.knowledge.spelling import Speller
from bot.knowledge.words import fold, tokenize

# The words of a tiny Swedish knowledge base, as the analyzer would learn them.
VOCABULARY = (
    "lösenord lösenordet byta byte teams möte mötet mikrofon mikrofonen skrivare skrivaren "
    "vpn ansluter hemma outlook kraschar mejl dator datorn långsam seg gemensam mapp saknas "
    "nätverket skärm kalender follow-me kontot konto enheten"
)


def analyzer(vocabulary: str = VOCABULARY, lang: str = "sv") -> Analyzer:
    return Analyzer(lexicon(lang), Counter(tokenize(vocabulary)))


def terms(text: str, lang: str = "sv") -> list[str]:
    return analyzer(lang=lang).terms(tokenize(text))


def parser(vocabulary: str = VOCABULARY, lang: str = "sv") -> QueryParser:
    """A question reader for a knowledge base of ``vocabulary``'s words."""
    words = Counter(tokenize(vocabulary))
    reader = analyzer(vocabulary, lang)
    return QueryParser(reader, words, frozenset(reader.terms(list(words))))


def query_terms(text: str) -> list[set[str]]:
    return [{term for term, _worth in group.terms} for group in parser().groups(text)]


def test_fold_drops_case_and_diacritics() -> None:
    assert fold("LÖSENORD Åtkomst Ärende café") == "losenord atkomst arende cafe"


def test_tokenize_joins_hyphenated_words_and_keeps_drive_letters() -> None:
    assert tokenize("E-post, VPN-klienten och G:-enheten") == [
        "epost",
        "vpnklienten",
        "och",
        "gdisk",
        "enheten",
    ]
    assert tokenize("can't") == ["cant"]


def test_a_drive_letter_named_with_a_word_for_a_drive_is_that_drive() -> None:
    # "S-enheten" is the S: drive, not the word "senheten"; "e-tjänsten" stays one word
    assert tokenize("ser inte S-enheten eller H-disken") == [
        "ser",
        "inte",
        "sdisk",
        "eller",
        "hdisk",
    ]
    assert tokenize("i e-tjänsten") == ["i", "etjansten"]


def test_tokenize_ignores_emoji_and_markup() -> None:
    assert tokenize("🔥🔥 VPN!! 🙂") == ["vpn"]
    # Tag names stay words, lone letters included; neither ever matches an article alone.
    assert tokenize("<b>VPN</b>") == ["b", "vpn", "b"]


def test_tokenize_joins_spelled_out_letters() -> None:
    assert tokenize("kan inte skriva å ä ö") == ["kan", "inte", "skriva", "aao"]
    assert tokenize("i e-tjänsten")[:1] == ["i"]


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("losenord", "lösenord"),
        ("Lösenordet", "lösenord"),
        ("datorn", "dator"),
        ("mötet", "möte"),
        ("mikrofonen", "mikrofon"),
        ("vpnet", "vpn"),
    ],
)
def test_inflected_and_unaccented_forms_meet_the_base_form(typed: str, written: str) -> None:
    assert terms(typed) == terms(written)


def test_spoken_form_of_printer_is_the_printer() -> None:
    assert terms("skrivarn") == terms("skrivare") == terms("printer")


def test_printer_is_not_the_verb_to_write() -> None:
    assert terms("skrivare") != terms("skriva")


@pytest.mark.parametrize("word", ["mejl", "mail", "e-post", "epost", "Outlook", "mejlen"])
def test_mail_synonyms_are_one_term(word: str) -> None:
    assert terms(word) == terms("mejl")


@pytest.mark.parametrize("word", ["tvåfaktor", "tvåstegsverifiering", "MFA", "authenticator"])
def test_two_factor_synonyms_are_one_term(word: str) -> None:
    assert terms(word) == terms("mfa")


def test_synonym_phrases_become_their_concept() -> None:
    (forgot,) = terms("glömt")
    assert forgot in terms("kommer inte ihåg")
    # A negation inside a phrase does not hide it: "kommer inte åt" is "kommer åt".
    assert terms("kommer åt")[0] in terms("kommer inte åt")


def test_the_subject_of_a_question_may_stand_inside_a_phrase() -> None:
    (login,) = terms("kommer in")
    assert login in terms("varför kommer jag inte in")
    assert terms("kommer åt")[0] in terms("hur kommer man åt")
    # A whole subject too, after a finite verb: "kommer datorn inte in" is "komma in".
    assert login in terms("varför kommer datorn inte in")
    assert login in terms("kommer min nya dator in")
    # Any other word still breaks the phrase: a preposition, a verb that is not finite, a
    # subject that ends in a function word.
    assert login not in terms("kommer till kontoret in")
    assert login not in terms("komma datorn in")
    assert login not in terms("kommer datorn och in")


def test_a_particle_verb_split_by_its_subject_is_read_as_the_phrase() -> None:
    crash = terms("stängs ner")[0]
    reader = analyzer()
    units = list(reader.units(tokenize("så stängs outlook ner")))
    assert ("stangs ner", crash) in units
    # the subject is still a word of the question: it is about Outlook too
    assert ("outlook", None) in units
    assert crash in terms("så stängs outlook ner")
    assert terms("outlook")[0] in terms("så stängs outlook ner")


def test_every_form_of_an_irregular_verb_reads_as_one_phrase() -> None:
    # "gå" is irregular in every form: "hinner gå ut" is expired as "har gått ut" is
    expired = terms("har gått ut")[0]
    assert expired in terms("koden hinner gå ut")
    assert expired in terms("lösenordet gick ut")
    assert expired in terms("mitt lösen slutar gälla")


def test_conjunctions_and_function_words_are_no_evidence() -> None:
    # "fast" is "although" in a question: "laddar inte fast sladden sitter i"
    assert terms("fast istället") == []
    assert terms("laddar inte fast sladden sitter i") == terms("laddar inte sladden sitter i")


def test_a_person_of_the_workplace_is_no_evidence_when_no_article_names_one() -> None:
    # "vi får en ny undersköterska": who, not what; an unknown weak word is left out
    assert query_terms("beställa till undersköterskan") == query_terms("beställa")


def test_a_form_excuses_another_domain_unless_the_question_asks_how_its_case_is_decided() -> None:
    def foreign(text: str) -> bool:
        return any(term.startswith("!") for group in query_terms(text) for term in group)

    # the e-service is the question's subject; the building permit is what it was for
    assert not foreign("fick inget kvitto när jag sökte bygglov i e-tjänsten")
    # the building permit's decision is the question's subject
    assert foreign("när får jag besked om bygglovet jag skickade in via e-tjänsten")
    # a form named by a phrase of its synonyms is a form too
    assert not foreign("blev utloggad när jag fyllde i ansökan om bygglov")
    assert foreign("blev utloggad när jag sökte bygglov")
    # asking which form is asking for the other domain's form, not about one that fails
    assert foreign("vilken blankett ska jag fylla i för att söka bygglov")
    assert not foreign("blanketten för bygglov vill inte skickas, vilken knapp ska jag ta")


def test_an_account_that_locks_itself_is_locked_and_a_computer_that_does_is_frozen() -> None:
    assert query_terms("kontot låser sig hela tiden")[0] == set(terms("utelåst"))
    assert set(terms("kraschar")) in query_terms("datorn låser sig hela tiden")


def test_a_verbs_particle_puts_nothing_in_the_setting_and_a_switch_asks_about_its_object() -> None:
    reading = parser(VOCABULARY + " autosvar starta")
    groups = {group.word: group for group in reading.groups("hur slår jag på autosvar")}
    # "på" is the particle of "slå på", no preposition: the autoreply is no setting
    assert not groups["autosvar"].setting
    # and what a how-question wants done is the thing switched on, not the switching
    assert groups["autosvar"].action
    assert not reading.groups("på autosvar")[0].action
    assert reading.groups("i mötet på autosvar")[-1].setting


def test_a_person_of_the_workplace_is_no_word_of_another_domain() -> None:
    # a teacher's pupils are who the question is about, not a school matter: "eleverna hör
    # inte mig" is a microphone question; "elev" alone is still a school word elsewhere
    assert query_terms("eleverna hör inte mig") == query_terms("hör inte mig")
    assert query_terms("elevernas dator") == query_terms("dator")


def test_exact_entries_do_not_catch_words_with_the_same_stem() -> None:
    assert terms("lösen") == terms("lösenord")
    assert terms("lösa") != terms("lösenord")


def test_compound_is_indexed_with_its_parts() -> None:
    found = terms("teamsmötet")
    assert terms("teams")[0] in found
    assert terms("möte")[0] in found


def test_compound_with_linking_s_splits() -> None:
    found = terms("lösenordsbyte")
    assert terms("lösenord")[0] in found
    assert terms("byte")[0] in found


def test_words_are_not_split_into_fragments_that_are_no_words() -> None:
    # "skrivaren" is not "skriv" + "aren", "gatlampan" not "gått" + "lampan".
    assert analyzer().word_terms("skrivaren").parts == ()
    assert analyzer(VOCABULARY + " gått lampan").word_terms("gatlampan").parts == ()


def test_stressing_prefix_is_dropped() -> None:
    assert terms("jätteseg") == terms("seg")


def test_english_words_are_stemmed_but_never_split() -> None:
    assert terms("passwords", "en") == terms("password", "en")
    assert analyzer("password reset", "en").word_terms("passwordreset").parts == ()


def test_question_compound_matches_either_part_or_the_whole() -> None:
    groups = query_terms("teamsmötet")
    assert len(groups) == 2
    assert all(len(group) == 2 for group in groups)


def test_compound_written_apart_is_put_back_together() -> None:
    assert query_terms("follow me") == query_terms("follow-me")


def test_typo_is_corrected_against_the_vocabulary() -> None:
    speller = Speller({"outlook": 3, "lösenord": 2, "mikrofon": 1})
    assert speller.correct("outlok") == "outlook"
    assert speller.correct("mikrofn") == "mikrofon"
    assert speller.correct("outlook") is None  # known words are left alone
    assert speller.correct("bibliotek") is None
    assert speller.correct("mik") is None  # too short to guess


def test_short_words_are_not_corrected_by_changing_a_letter() -> None:
    speller = Speller({"skumt": 1, "teams": 1})
    assert speller.correct("skamt") is None
    assert speller.correct("taems") == "teams"  # two letters swapped is a typo


def test_typo_in_a_question_counts_slightly_less() -> None:
    reading = parser()
    (group,) = reading.groups("outlok")
    assert group.terms == ((terms("outlook")[0], CORRECTED),)


def test_stopwords_leave_nothing_to_search() -> None:
    assert query_terms("hej! jag behöver hjälp, tack") == []


def test_words_of_other_municipal_services_are_marked_foreign() -> None:
    reader = analyzer()
    assert reader.is_foreign("biblioteket")
    assert reader.is_foreign(fold("förskoleplatsen"))
    assert reader.is_foreign(fold("busskortet"))  # led by a foreign word
    assert not reader.is_foreign(fold("lösenord"))


def test_a_time_word_puts_what_follows_in_the_setting() -> None:
    reading = parser()
    # "innan jullovet" says when, not what: the holiday is no evidence against the answer
    assert reading.groups("byta lösenord innan jullovet")[-1].setting
    assert reading.groups("byta lösenord inför semestern")[-1].setting


def test_an_english_time_word_puts_what_follows_in_the_setting() -> None:
    reading = parser("forgot password reset account", "en")
    # "after the holidays" says when, not what: the holidays are no evidence against the answer
    assert reading.groups("forgot my password after the holidays")[-1].setting
    assert reading.groups("forgot my password over the summer")[-1].setting
    # (a phrase of another domain there, "after parental leave", still counts: the setting is
    # read word by word, and a phrase's group is not one word)
    assert not any(group.setting for group in reading.groups("forgot my password at once"))


def test_folding_does_not_make_an_adjective_a_symptom() -> None:
    # folded, "stör" (disturbs) is "stor" (big): a big screen is no crackling sound
    assert terms("brus")[0] not in terms("stor")
    assert terms("brus") == terms("störs")


def test_the_setting_of_a_place_phrase_is_its_noun_not_an_adjective_of_another_domain() -> None:
    reading = parser()
    groups = {group.word: group for group in reading.groups("vpn på min privata dator")}
    # "privata" says what kind of computer: a private one, evidence against the answer
    assert groups["privata"].foreign
    assert not groups["privata"].setting
