from __future__ import annotations

import pytest

from bot import nlu


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("skrivaren fungerar inte", "sv"),
        ("jag har glömt mitt lösenord", "sv"),
        ("my printer is not working", "en"),
        ("I can't log in since yesterday", "en"),
        ("vpn", None),
        # Swedish "i" is "in", not "I": these were answered in English. Without a marker
        # either way the conversation keeps its language (Swedish unless chosen otherwise).
        ("eko i teams", None),
        ("kameran svart i teams", None),
        ("mejl i mobilen", None),
        ("g-enheten e borta i utforskaren sen i morse", "sv"),
        ("I kontoret funkar inte skrivaren", "sv"),
        # English without the commonest markers: these were answered in Swedish
        ("outlook keeps crashing", "en"),
        ("outlook crashes", "en"),
        ("G drive missing", "en"),
        ("need access to a shared mailbox", "en"),
        ("I need help", "en"),
        # One Swedish word does not make an English sentence Swedish, nor the other way round
        ("what are the rules for the new lösenord, how many characters?", "en"),
        ("outlook hänger sig hela tiden, not responding", "sv"),
        ("skärmen flimrar", "sv"),
    ],
)
def test_language_detection(text: str, language: str | None) -> None:
    assert nlu.detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [("in english please", "en"), ("På svenska tack", "sv"), ("kan vi ta det på engelska", "en")],
)
def test_language_requests(text: str, language: str) -> None:
    assert nlu.requested_language(text) == language


def test_a_long_sentence_mentioning_english_is_not_a_switch() -> None:
    assert nlu.requested_language("the english keyboard layout is wrong on my new laptop") is None


@pytest.mark.parametrize(
    "text",
    ["kan jag få prata med en människa?", "Jag vill prata med någon", "talk to a real person"],
)
def test_asking_for_a_person(text: str) -> None:
    assert nlu.wants_human(text)


@pytest.mark.parametrize(
    ("text", "impact"),
    [
        ("ingen på hela enheten kommer in", 1),
        ("everyone in the office", 1),
        ("flera kollegor har samma fel", 2),
        ("bara jag", 3),
        ("only me as far as I know", 3),
        ("det är trasigt", None),
        ("ingen kan logga in i journalen", 1),
        ("nobody can print on the third floor", 1),
        ("ingen av oss kan jobba", 1),
        # Nobody hearing or seeing *me* is one person's headset or camera.
        ("i teamsmötet hör ingen mig", None),
        ("ingen kan höra mig när jag pratar", None),
        ("nobody can hear me in meetings", None),
        ("nobody can hear me, bara jag har problemet", 3),
    ],
)
def test_impact(text: str, impact: int | None) -> None:
    assert nlu.impact_of(text) == impact


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("jag kan inte jobba alls", 1),
        ("vi har en deadline i dag", 1),
        ("it's urgent", 1),
        ("det kan vänta", 3),
        ("not urgent", 3),
        ("det är jobbigt", 2),
        ("skrivaren", None),
        ("wifi är nere i hela huset, ingen kan jobba", 1),
        ("the wifi is down in the whole building, nobody can work", 1),
        ("ingen kan logga in i journalen", None),  # who is affected, not what it stops
    ],
)
def test_urgency(text: str, urgency: int | None) -> None:
    assert nlu.urgency_of(text) == urgency


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("ja", True),
        ("Ja, det löste sig!", True),
        ("nej", False),
        ("Nej det hjälpte inte", False),
        ("yes", True),
        ("nope", False),
        ("kanske", None),
    ],
)
def test_yes_or_no(text: str, answer: bool | None) -> None:
    assert nlu.yes_or_no(text) == answer


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("nobody can log in since 8, we cannot work", "since 8"),
        ("ingen kommer in sedan kl 8, vi kan inte arbeta", "sedan kl 8"),
        ("It has been down since Monday. Please help", "since Monday"),
        ("trasig sedan igår; ingen vet varför", "sedan igår"),
        # A full stop inside a time, or after "kl", does not end it.
        ("det är nere sedan kl 8.30 i dag", "sedan kl 8.30 i dag"),
        ("nere sedan kl. 8.30, hjälp", "sedan kl. 8.30"),
    ],
)
def test_the_moment_a_fault_began_ends_at_a_comma_or_full_stop(text: str, since: str) -> None:
    assert nlu.since_of(text) == since


def test_since_and_ratings_and_ticket_numbers() -> None:
    assert nlu.since_of("det har varit så sedan i måndags") == "sedan i måndags"
    assert nlu.since_of("since yesterday morning") == "since yesterday morning"
    assert nlu.since_of("i morse kraschade den") == "i morse"
    assert nlu.since_of("slow since the update yesterday") == "since the update yesterday"
    assert nlu.since_of("seg efter uppdateringen i går, tror jag") == "efter uppdateringen i går"
    assert nlu.since_of("sedan i morse när jag kom") == "sedan i morse"
    assert nlu.rating_of("4") == 4
    assert nlu.rating_of(" 5/5 ") == 5
    assert nlu.rating_of("45") is None
    assert nlu.ticket_numbers("hur går det med inc0000123 och REQ-0000007?") == [
        "INC0000123",
        "REQ0000007",
    ]


def test_problem_descriptions() -> None:
    assert nlu.describes_problem("outlook kraschar")
    assert nlu.describes_problem("my laptop won't start")
    assert not nlu.describes_problem("när har biblioteket öppet")
    assert nlu.describes_problem("ingen kan logga in")
    assert nlu.describes_problem("nobody can hear me and my camera is black")
    assert nlu.describes_problem("i teamsmötet hör ingen mig")
    assert nlu.describes_problem("vpn:en tappar anslutningen")
    assert nlu.describes_problem("the vpn keeps dropping")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("outlook kraschar", True),
        ("the vpn keeps dropping", True),
        ("teams kamera svart", True),  # a thing and two words about it
        ("printer says offline", True),
        ("jag har problem med outlook", False),  # that, not what
        ("fel i outlook", False),
        ("I have an issue with the printer", False),
        ("outlook", False),
    ],
)
def test_whether_a_message_says_what_goes_wrong(text: str, says: bool) -> None:
    assert nlu.says_what_happens(text) is says


@pytest.mark.parametrize(
    "text",
    [
        "när får jag besked om bygglovet jag skickade in via e-tjänsten i september?",
        "Hur lång är handläggningstiden för försörjningsstöd?",
        "hur går det med min ansökan om bostadsanpassning",
        "nar far jag beslut om forskoleplats",
        "when will I get a decision on my building permit?",
        "how long is the processing time for my application",
        "when will my building permit be decided?",
        "has my application for färdtjänst been processed yet?",
        # Whether it arrived: spoc cannot see that either, and offers help with the e-service.
        "Sökte förskoleplats igår men har inte fått nån bekräftelse. Har ni fått ansökan?",
        "have you received my application for färdtjänst",
    ],
)
def test_a_question_about_how_a_case_goes_is_recognised(text: str) -> None:
    assert nlu.asks_about_a_case(text)


@pytest.mark.parametrize(
    "text",
    [
        # What spoc can help with: the e-service itself, its own tickets.
        "kan inte skicka in ansökan om bygglov, knappen fungerar inte",
        "e-tjänsten kraschar när jag bifogar ritningarna till bygglovsansökan",
        "hur går det med mitt ärende INC0000123",
        "hur går det med mitt ärende",
        "när får jag besked om behörigheten till ekonomisystemet?",
        "when will I get a decision on my access request",
        "I can't submit my application, the page shows an error",
        # A case word without asking how it goes, and asking without a case word.
        "jag vill söka bygglov",
        "när kommer tekniker och lagar skrivaren",
        # An application that is software, and something ordered from IT.
        "when will my application be installed",
        "har ni fått min beställning av en dator",
    ],
)
def test_what_is_not_a_question_about_a_case(text: str) -> None:
    assert not nlu.asks_about_a_case(text)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("när får jag besked om behörigheten till ekonomisystemet?", True),
        ("när kommer min nya dator?", True),
        ("when will I get access to the finance system", True),
        ("när får jag besked om bygglovet?", False),  # a case, not an order from IT
        ("när jag startar datorn kommer inget upp", False),
        ("när kommer datorn igång, den har stått och snurrat i en timme och startar inte", False),
    ],
)
def test_waiting_for_something_ordered_from_it_asks_for_ones_tickets(
    text: str, status: bool
) -> None:
    assert nlu.asks_status(text) is status


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("hej, skrivaren på plan 2 skriver inte ut", "skrivaren på plan 2 skriver inte ut"),
        ("Hej! Outlook kraschar hela tiden", "Outlook kraschar hela tiden"),
        ("hej servicedesk, vpn funkar inte", "vpn funkar inte"),
        ("God morgon! Teams har inget ljud", "Teams har inget ljud"),
        ("Hi team, the printer is offline", "the printer is offline"),
        ("Hello there - my laptop will not start", "my laptop will not start"),
        # Left as written: only a greeting, a single word after it, or no greeting at all.
        ("hej", "hej"),
        ("hej vpn", "hej vpn"),
        ("hejdå alla", "hejdå alla"),
        ("hiring system is down", "hiring system is down"),
        ("skrivaren hej", "skrivaren hej"),
    ],
)
def test_a_greeting_that_opens_a_message_is_left_out_of_what_happened(
    text: str, rest: str
) -> None:
    assert nlu.without_greeting(text) == rest


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # "Very" joined to the word, as Swedish writes it.
        ("datorn är jättelångsam", True),
        ("datorn är superseg", True),
        ("wifi:t är skitsegt i dag", True),
        # The same prefixes on words that say nothing is wrong.
        ("jättebra, tack", False),
        ("hur många megabyte får en bilaga vara", False),
    ],
)
def test_an_intensified_problem_word_is_a_problem(text: str, problem: bool) -> None:
    assert nlu.describes_problem(text) is problem


@pytest.mark.parametrize(
    ("text", "only_help"),
    [
        ("jag vill ha hjälp", True),
        ("kan du hjälpa mig?", True),
        ("I need help please", True),
        ("hjälp!", True),
        # With what is said: that is the message to act on.
        ("jag behöver hjälp med outlook", False),
        ("help me with teams", False),
        ("hjälp skrivaren", False),
    ],
)
def test_a_bare_request_for_help_is_recognised(text: str, only_help: bool) -> None:
    assert nlu.only_asks_for_help(text) is only_help


@pytest.mark.parametrize(
    ("text", "suspected"),
    [
        ("jag klickade på en länk i ett mejl och skrev in mitt lösenord", True),
        ("tryckte pa lank i ett sms o godkande en notis i authenticator", True),
        ("I think my work account has been hacked", True),
        ("someone logged into my account from another country", True),
        # Typing one's password is no compromise on its own, nor is a private account's
        ("jag skrev in mitt lösenord men det funkar inte", False),
        ("mitt privata gmail har blivit hackat, kan ni hjälpa mig", False),
        ("my personal Facebook account was hacked", False),
        ("jag fick ett konstigt mejl", False),
        ("nätverkskabeln är kapad", False),  # "kapa" is also to cut
    ],
)
def test_an_account_someone_else_may_be_in(text: str, suspected: bool) -> None:
    assert nlu.suspects_compromise(text) is suspected
