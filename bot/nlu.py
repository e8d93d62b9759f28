"""Cheap, explainable understanding: language, intents and entities from free text.

Word lists are matched on folded text (no case, no diacritics), so "losenord" and
"Lösenord" are the same word to the bot.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from bot.knowledge.lexicon import lexicon
from bot.sla import (
    IMPACT_ONE,
    IMPACT_SEVERAL,
    IMPACT_WIDE,
    URGENCY_CAN_WAIT,
    URGENCY_HINDERED,
    URGENCY_STOPPED,
)
from bot.text import fold, words

# Words that mark a language, folded. Only words the other language does not use: no "i"
# (Swedish "in", English "I": an upper-case "I" counts as English on its own), "for" (folded
# "för"), "at" ("åt"), "in" ("logga in"), "be" ("be om hjälp").
_SV_MARKERS = frozenset(
    [
        "jag",
        "inte",
        "och",
        "det",
        "att",
        "min",
        "mitt",
        "mina",
        "har",
        "kan",
        "hej",
        "tack",
        "funkar",
        "fungerar",
        "ar",
        "pa",
        "nar",
        "vad",
        "hur",
        "med",
        "som",
        "den",
        "eller",
        "sedan",
        "igar",
        "idag",
        "fel",
        "gar",
        "skrivare",
        "losenord",
        "e",
        "o",
        "sen",
        "ej",
        "bara",
        "ingen",
        "inget",
        "ingenting",
        "mig",
        "vill",
        "ska",
        "kommer",
        "gor",
        "av",
        "till",
        "om",
        "nu",
        "sa",
        "ett",
        "en",
        "var",
        "vi",
        "du",
        "ni",
        "hon",
        "han",
        "efter",
        "tog",
        "bort",
        "borta",
        "saknas",
        "ser",
        "bild",
        "sig",
        "hela",
        "tiden",
        "igen",
    ]
)
_EN_MARKERS = frozenset(
    [
        "the",
        "is",
        "not",
        "my",
        "it",
        "can",
        "cant",
        "can't",
        "doesnt",
        "doesn't",
        "hello",
        "hi",
        "thanks",
        "please",
        "since",
        "yesterday",
        "today",
        "error",
        "working",
        "won't",
        "wont",
        "help",
        "with",
        "when",
        "what",
        "how",
        "printer",
        "password",
        "broken",
        "and",
        "i'm",
        "im",
        "i've",
        "ive",
        "i'd",
        "to",
        "of",
        "on",
        "from",
        "have",
        "has",
        "am",
        "are",
        "was",
        "were",
        "will",
        "would",
        "should",
        "could",
        "you",
        "your",
        "why",
        "where",
        "who",
        "which",
        "there",
        "this",
        "that",
        "does",
        "did",
        "didn't",
        "dont",
        "don't",
        "isn't",
        "cannot",
        "keeps",
        "keep",
        "crashing",
        "crashes",
        "freezes",
        "freezing",
        "missing",
        "disappeared",
        "deleted",
        "locked",
        "need",
        "got",
        "after",
        "too",
        "many",
        "nothing",
        "comes",
        "out",
        "black",
        "screen",
        "slow",
    ]
)
_SWEDISH_LETTERS = re.compile(r"\w*[åäöÅÄÖ]\w*")
_ENGLISH_I = re.compile(r"(?<![\w'])I(?![\w'])")


@lru_cache(maxsize=64)
def _padded_phrases(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f" {' '.join(words(phrase))} " for phrase in phrases)


def _has_any(text: str, phrases: tuple[str, ...], *, unless: tuple[str, ...] = ()) -> bool:
    """Whether ``text`` says one of ``phrases``, not counting what it says in ``unless``."""
    padded = f" {' '.join(words(text))} "
    for phrase in _padded_phrases(unless):
        padded = padded.replace(phrase, "  ")
    return any(phrase in padded for phrase in _padded_phrases(phrases))


def detect_language(text: str) -> str | None:
    """ "sv" or "en" when the text says so clearly, else None (keep the current language)."""
    tokens = words(text)
    # Each word with å, ä or ö is Swedish, and outweighs no English: "what are the rules for
    # the new lösenord?" is English with one Swedish word in it.
    swedish = sum(token in _SV_MARKERS for token in tokens) + len(_SWEDISH_LETTERS.findall(text))
    english = sum(token in _EN_MARKERS for token in tokens) + len(_ENGLISH_I.findall(text))
    if swedish > english:
        return "sv"
    if english > swedish:
        return "en"
    return None


def requested_language(text: str) -> str | None:
    """A request to switch language: "in English please", "på svenska"."""
    if (
        _has_any(text, ("english", "engelska", "in english", "pa engelska"))
        and len(words(text)) <= 6
    ):
        return "en"
    if (
        _has_any(text, ("svenska", "swedish", "in swedish", "pa svenska"))
        and len(words(text)) <= 6
    ):
        return "sv"
    return None


_HUMAN = (
    "manniska",
    "en manniska",
    "riktig person",
    "handlaggare",
    "personal",
    "prata med nagon",
    "prata med en",
    "tala med nagon",
    "ringa nagon",
    "kundtjanst",
    "servicedesken",
    "human",
    "real person",
    "a person",
    "agent",
    "talk to someone",
    "speak to someone",
    "someone real",
    "operator",
    "support person",
)
_GREETING = ("hej", "hejsan", "hallo", "tja", "tjena", "god morgon", "hi", "hello", "hey")
_THANKS = ("tack", "tack sa mycket", "tusen tack", "thanks", "thank you", "hej da", "bye")
_CANCEL = ("avbryt", "borja om", "glom det", "cancel", "start over", "never mind", "nevermind")
_YES = (
    "ja",
    "japp",
    "jo",
    "jepp",
    "absolut",
    "stammer",
    "precis",
    "yes",
    "yep",
    "yeah",
    "sure",
    "correct",
    "ok",
    "okej",
    "det hjalpte",
    "it helped",
    "lost",
    "lostes",
    "solved",
)
_NO = ("nej", "nix", "nope", "no", "inte", "not", "hjalpte inte", "didn't help", "didnt help")
# "Nobody can hear me" is one person's microphone, not a whole unit's outage.
_NOBODY_PERCEIVES_ME = (
    "nobody can hear me",
    "no one can hear me",
    "nobody hears me",
    "nobody can see me",
    "no one can see me",
    "ingen kan hora mig",
    "ingen kan se mig",
    "ingen hor mig",
    "ingen ser mig",
    "hor ingen mig",
    "ser ingen mig",
)
_PROBLEM = (
    *_NOBODY_PERCEIVES_ME,
    "ingen kan",
    "nobody can",
    "no one can",
    "fungerar inte",
    "funkar inte",
    "funkar ej",
    "gar inte",
    "kraschar",
    "krasch",
    "strular",
    "strulat",
    "trasig",
    "trasigt",
    "fel",
    "felet",
    "felmeddelande",
    "problem",
    "hanger",
    "hanger sig",
    "startar inte",
    "kommer inte in",
    "kommer inte at",
    "kan inte",
    "nere",
    "langsam",
    "langsamt",
    "seg",
    "segt",
    "laggar",
    "hackar",
    "flimrar",
    "tappar",
    "kopplar ner",
    "bryts",
    "slutat",
    "laser sig",
    "last",
    "glomt",
    "tappat",
    "forsvunnit",
    "borta",
    "ansluter inte",
    "skriver inte ut",
    "hors inte",
    "syns inte",
    "kraschade",
    "krashar",
    "krasha",
    "fungerade inte",
    "svarar inte",
    "slutar svara",
    "laddar inte",
    "oppnas inte",
    "gar inte att",
    "fastnar",
    "blinkar",
    "konstigt",
    "crashing",
    "keeps crashing",
    "dropping",
    "keeps dropping",
    "disconnects",
    "disconnecting",
    "lagging",
    "flickering",
    "offline",
    "freezing",
    "hangs",
    "hanging",
    "not responding",
    "not loading",
    "not opening",
    "won't open",
    "doesn't open",
    "weird",
    "strange",
    "not working",
    "doesn't work",
    "doesnt work",
    "does not work",
    "won't",
    "wont",
    "can't",
    "cant",
    "cannot",
    "crash",
    "crashes",
    "crashed",
    "broken",
    "error",
    "down",
    "slow",
    "stuck",
    "freezes",
    "frozen",
    "locked",
    "forgot",
    "lost",
    "missing",
    "fails",
    "failed",
    "issue",
    "problem",
    "help",
)
_WIDE = (
    "alla",
    "hela enheten",
    "hela avdelningen",
    "hela kontoret",
    "hela skolan",
    "hela huset",
    "hela forvaltningen",
    "hela kommunen",
    "ingen kan",
    "ingen pa",
    "alla pa",
    "alla kollegor",
    "everyone",
    "everybody",
    "whole unit",
    "whole team",
    "whole department",
    "whole office",
    "nobody can",
    "no one can",
    "nobody in",
    "no one in",
    "nobody on",
    "no one on",
    "all of us",
    "ingen av oss",
    "none of us",
    "the entire",
)
_SEVERAL = (
    "flera",
    "flera kollegor",
    "nagra kollegor",
    "vi ar flera",
    "kollegor ocksa",
    "hela teamet",
    "several",
    "some colleagues",
    "a few of us",
    "colleagues too",
    "others too",
    "my team",
)
_ONE = ("bara jag", "bara mig", "endast jag", "bara min", "just me", "only me", "only mine")
_STOPPED = (
    "kan inte jobba",
    "kan inte arbeta",
    "star still",
    "allt star",
    "akut",
    "brattom",
    "bradskande",
    "deadline",
    "kritiskt",
    "patienter",
    "patientsakerhet",
    "kan inte gora nagot",
    # Nobody working is work stopped, as well as many affected ("ingen kan jobba").
    "ingen kan jobba",
    "ingen kan arbeta",
    "ingen av oss kan jobba",
    "ingen av oss kan arbeta",
    "nobody can work",
    "no one can work",
    "none of us can work",
    "nobody is able to work",
    "can't work",
    "cant work",
    "cannot work",
    "urgent",
    "critical",
    "deadline",
    "asap",
    "emergency",
    "blocked",
    "completely stopped",
    "at a standstill",
)
_HINDERED = ("jobbigt", "besvarligt", "tar tid", "segt", "annoying", "slows me down", "hindered")
_CAN_WAIT = ("kan vanta", "ingen brads", "inte bradskande", "can wait", "not urgent", "no rush")
# "since the update yesterday": a day said after the event belongs to it
_DAY_AFTER = (
    r"(?:ig[aå]r|i\s+g[aå]r|idag|i\s+dag|i\s+morse|i\s+f[oö]rrg[aå]r|yesterday|today|"
    r"this\s+morning|last\s+week|f[oö]rra\s+veckan)"
)
# A word of the moment: a comma, semicolon, colon, mark or full stop ends the phrase ("since
# 8, we cannot work" is "since 8"); a full stop inside a time or after "kl" does not
# ("sedan kl. 8.30").
_MOMENT_WORD = r"(?:kl\.|[^\s,;:!?.]+(?:\.[^\s,;:!?.]+)*)"
_SINCE = re.compile(
    r"(?i)\b(sedan|sen|fr[aå]n|since|from|efter|after)\s+"
    rf"({_MOMENT_WORD}(?:\s+{_DAY_AFTER}\b|\s+{_MOMENT_WORD}(?:\s+{_DAY_AFTER}\b)?)?)"
    r"|\b(i\s+morse|i\s+morgon|idag|i\s+dag|ig[aå]r|i\s+g[aå]r|i\s+kv[aä]ll|nyss|precis\s+nu|"
    r"hela\s+veckan|hela\s+dagen|i\s+flera\s+dagar|today|yesterday|this\s+morning|"
    r"all\s+week|all\s+day|just\s+now|for\s+days|an\s+hour\s+ago|\d+\s+(?:dagar|timmar|"
    r"minuter|days|hours|minutes)(?:\s+sedan|\s+ago)?)\b"
)
_PASSWORD_RESET = (
    "glomt mitt losenord",
    "glomt losenordet",
    "glomt losenord",
    "glomt mitt losen",
    "glomt losen",
    "glomt losenordet till",
    "kommer inte ihag mitt losenord",
    "kommer inte ihag losenordet",
    "minns inte mitt losenord",
    "minns inte losenordet",
    "aterstalla losenord",
    "aterstalla mitt losenord",
    "aterstalla losenordet",
    "aterstall losenord",
    "aterstall mitt losenord",
    "nytt losenord",
    "byta losenord",
    "byta mitt losenord",
    "losenordet har gatt ut",
    "forgot my password",
    "forgot password",
    "forgotten my password",
    "forgotten password",
    "forgot the password",
    "reset my password",
    "reset password",
    "password reset",
    "new password",
    "dont remember my password",
    "don't remember my password",
    "password expired",
)
_UNLOCK = (
    "kontot ar last",
    "mitt konto ar last",
    "kontot har lasts",
    "kontot har last sig",
    "kontot last",
    "last konto",
    "last ute",
    "utelast",
    "blivit utelast",
    "las upp mitt konto",
    "las upp kontot",
    "lasa upp mitt konto",
    "lasa upp kontot",
    "account locked",
    "account is locked",
    "account has been locked",
    "locked account",
    "locked out",
    "unlock my account",
    "unlock account",
)
TICKET_NUMBER = re.compile(r"(?i)\b(INC|REQ|PRB)\s?-?(\d{7})\b")


_STATUS = (
    "mina arenden",
    "mitt arende",
    "mina arende",
    "arendets status",
    "status pa",
    "hur gar det med",
    "vad hander med",
    "har ni lost",
    "my tickets",
    "my ticket",
    "my case",
    "my cases",
    "my request",
    "ticket status",
    "status of",
    "how is my",
    "whats happening with",
    "what is happening with",
)


# A case the organisation decides on, which spoc cannot see (a citizen's application, a
# permit, a benefit), and asking how it goes: "när får jag besked om bygglovet?".
_CASE = (
    "ansokan",
    "ansokningen",
    "ansokt",
    "ansokte",
    "bygglov",
    "bygglovet",
    "bygglovsansokan",
    "bygganmalan",
    "beslut",
    "beslutet",
    "besked",
    "beskedet",
    "handlaggning",
    "handlaggningstid",
    "handlaggningstiden",
    "handlaggare",
    "handlaggaren",
    "forsorjningsstod",
    "ekonomiskt bistand",
    "bostadsanpassning",
    "bostadsanpassningen",
    "fardtjanst",
    "fardtjansten",
    "forskoleplats",
    "skolplacering",
    "application",
    "permit",
    "decision",
    "caseworker",
    "case worker",
    "case officer",
    "processing time",
)
_WHEN_DO_I_GET = (
    "nar far jag",
    "nar far vi",
    "nar kommer",
    "nar blir",
    "when will i get",
    "when do i get",
    "when will my",
)
_HOW_IT_GOES = (
    "nar far jag",
    "nar far vi",
    "nar kommer",
    "nar blir",
    "nar fattas",
    "hur lang tid",
    "hur lang ar",
    "hur lange",
    "hur gar det",
    "vad hander med",
    "status",
    "nagot nytt",
    "when will i",
    "when do i",
    "when will we",
    "how long",
    "how is my",
    "what is happening with",
    "whats happening with",
    "any news",
    "har ni fatt",
    "har ni tagit emot",
    "be decided",
    "been decided",
    "been processed",
    "have you received",
    "did you receive",
)

# What spoc itself decides or orders: "när får jag besked om behörigheten?" is a request's
# approval, which the status of one's own tickets shows.
_OWN_REQUESTS = (
    "behorighet",
    "behorigheten",
    "behorigheter",
    "bestallning",
    "bestallningen",
    "licens",
    "licensen",
    "konto",
    "kontot",
    "dator",
    "datorn",
    "access",
    "license",
    "account",
    "order",
)


# Asking how to do something, or where something is: what a guide answers.
_HOW = (
    "hur",
    "var hittar",
    "var finns",
    "vart hittar",
    "gar det att",
    "kan man",
    "kan jag",
    "hur gor man",
    "how",
    "where do",
    "where can",
    "where is",
    "can i",
    "is it possible",
)


def asks_how(text: str) -> bool:
    """ "Hur slår jag på autosvar?", "var hittar jag wifi-lösenordet", "how do I share my
    screen": a question about how to do something, not a report that something is broken."""
    return _has_any(text, _HOW) and not describes_problem(text)


def asks_about_a_case(text: str) -> bool:
    """ "När får jag besked om bygglovet?", "hur lång är handläggningstiden för
    försörjningsstöd": how a case the organisation decides on is going, which spoc cannot
    see. Not when a ticket number is named, when it is about what spoc orders itself (access,
    an account), nor when something does not work (the e-service that will not send the
    application is spoc's to help with)."""
    if ticket_numbers(text) or describes_problem(text) or _has_any(text, _OWN_REQUESTS):
        return False
    return _has_any(text, _CASE) and _has_any(text, _HOW_IT_GOES)


def asks_status(text: str) -> bool:
    """ "Mina ärenden", "hur går det med mitt ärende?", "status INC0000123"."""
    if ticket_numbers(text) and len(words(text)) <= 12:
        return True
    tokens = words(text)
    if tokens and tokens[0] == "status" and len(tokens) <= 4:
        return True
    if _has_any(text, _STATUS):
        return True
    # "När får jag besked om behörigheten?": waiting for something ordered from IT.
    return (
        _has_any(text, _WHEN_DO_I_GET)
        and _has_any(text, _OWN_REQUESTS)
        and not describes_problem(text)
    )


_STILL_BROKEN = (
    "finns kvar",
    "fortfarande",
    "inte lost",
    "funkar inte",
    "fungerar inte",
    "samma problem",
    "igen",
    "still",
    "not solved",
    "not fixed",
    "doesnt work",
    "does not work",
    "same problem",
    "again",
)


def still_broken(text: str) -> bool:
    """ "Det funkar fortfarande inte", "the problem is still there"."""
    return _has_any(text, _STILL_BROKEN)


def wants_password_reset(text: str) -> bool:
    """ "jag har glömt mitt lösenord", "glömt lösen", "forgot my password"."""
    return _has_any(text, _PASSWORD_RESET)


def wants_unlock(text: str) -> bool:
    """ "kontot är låst", "jag är utelåst", "account locked"."""
    return _has_any(text, _UNLOCK)


_EMAIL = re.compile(
    r"(?i)(?<![\w.+-])[\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,24}\b"
)


def email_in(text: str) -> str | None:
    """The first e-mail address in the text, lower case."""
    match = _EMAIL.search(text)
    return match.group(0).lower() if match else None


_ABOUT_BOT = (
    "vem ar du",
    "vad ar du",
    "ar du en robot",
    "ar du en bot",
    "ar du en chatbot",
    "ar du en chattbot",
    "ar du en ai",
    "ar du ai",
    "ar du en maskin",
    "ar du en manniska",
    "ar du en person",
    "ar du en riktig",
    "ar du riktig",
    "ar du pa riktigt",
    "pratar jag med en",
    "chattar jag med en",
    "skriver jag med en",
    "ar det en robot",
    "ar det en manniska",
    "ar det en bot",
    "vad kan du",
    "vad kan jag fraga",
    "vad gor du",
    "hur fungerar du",
    "hur funkar du",
    "who are you",
    "what are you",
    "are you a bot",
    "are you a robot",
    "are you a chatbot",
    "are you an ai",
    "are you ai",
    "are you a machine",
    "are you human",
    "are you a human",
    "are you a person",
    "are you a real",
    "are you real",
    "am i talking to",
    "am i chatting with",
    "is this a bot",
    "is this a robot",
    "is this a human",
    "is this a real",
    "what can you do",
    "what can you help",
    "what can i ask",
    "what do you do",
    "how do you work",
)


def asks_about_bot(text: str) -> bool:
    """ "Vem är du?", "är du en robot?", "what can you do": a question about the assistant
    itself, answered honestly. Not when a problem comes with it ("vad kan du göra åt att
    outlook kraschar" is about Outlook)."""
    return (
        0 < len(words(text)) <= 10 and _has_any(text, _ABOUT_BOT) and not describes_problem(text)
    )


def is_chatter(text: str) -> bool:
    """Words that say nothing a ticket could be about: a greeting, thanks, a bare "ok" or
    "nej", a question about the bot, or only asking for a person or venting ("du är
    värdelös"). A message that describes a problem never is."""
    if describes_problem(text):
        return False
    count = len(words(text))
    return (
        is_greeting(text)
        or is_thanks(text)
        or is_cancel(text)
        or is_meaningless(text)
        or asks_about_bot(text)
        or (count <= 3 and yes_or_no(text) is not None)
        or (count <= 8 and (wants_human(text) or is_frustrated(text)))
    )


def wants_human(text: str) -> bool:
    return _has_any(text, _HUMAN)


def is_greeting(text: str) -> bool:
    if text.strip().lower().split("@")[0] in ("/start", "/help"):
        return True  # Telegram's first message and chat clients' help command
    tokens = words(text)
    return 0 < len(tokens) <= 3 and _has_any(text, _GREETING)


# A greeting that opens a message, with whom it greets and its punctuation: "Hej!",
# "hej servicedesk,", "Good morning team -". Only what follows says what happened.
_OPENING_GREETING = re.compile(
    r"(?i)^\s*(?:hej(?:san)?|hall[aå]|tja(?:ba)?|tjena|god\s+(?:morgon|dag|eftermiddag|kv[aä]ll)|"
    r"hi|hello|hey|good\s+(?:morning|afternoon|evening|day))"
    r"(?:\s+(?:p[aå]\s+er|p[aå]\s+dig|allihop(?:a)?|alla|servicedesk(?:en)?|support(?:en)?|"
    r"it-?support(?:en)?|there|team|everyone|all|service\s*desk|support))?"
    r"\s*(?:[,!.:;\u2013\u2014-]+\s*|\s+)"
)


def without_greeting(text: str) -> str:
    """``text`` without a greeting that opens it ("hej, skrivaren skriver inte ut" ->
    "skrivaren skriver inte ut"), for a ticket's title and summary. A message that is only a
    greeting, or whose rest is a single word, is left as it is."""
    match = _OPENING_GREETING.match(text)
    if match is None:
        return text
    rest = text[match.end() :]
    return rest if len(words(rest)) >= 2 else text


def is_thanks(text: str) -> bool:
    return 0 < len(words(text)) <= 5 and _has_any(text, _THANKS)


def is_cancel(text: str) -> bool:
    return 0 < len(words(text)) <= 4 and _has_any(text, _CANCEL)


def yes_or_no(text: str) -> bool | None:
    """True for yes, False for no, None when the answer is neither (or both)."""
    said_no = _has_any(text, _NO)
    said_yes = _has_any(text, _YES)
    if said_no:
        return False
    return True if said_yes else None


# Swedish says "very" by joining it to the word: "jättelångsam", "superseg", "skittrög".
_INTENSIFIED = re.compile(r"(?i)\b(j[aä]tte|super|skit|mega)(?=\w{3})")


def _intensifiers_apart(text: str) -> str:
    return _INTENSIFIED.sub(r"\1 ", text)


def describes_problem(text: str) -> bool:
    return _has_any(_intensifiers_apart(text), _PROBLEM)


# Words that say there is trouble but not what it is: "problem med outlook" tells the
# service, not what happens.
_VAGUE = (
    "problem",
    "problemet",
    "problemen",
    "fel",
    "felet",
    "strul",
    "issue",
    "issues",
    "trouble",
    "help",
    "hjalp",
)


def says_what_happens(text: str) -> bool:
    """Whether the text tells what goes wrong, not only that something does: "outlook
    kraschar", "the vpn keeps dropping", "teams kamera svart" (a thing and two words about
    it); not "jag har problem med outlook"."""
    if _has_any(_intensifiers_apart(text), _PROBLEM, unless=_VAGUE):
        return True
    filler = _filler()
    return sum(word not in filler for word in words(text)) >= 3


@lru_cache(maxsize=1)
def _filler() -> frozenset[str]:
    """Words that say nothing of what happens: both languages' stopwords and the vague."""
    return lexicon("sv").stopwords | lexicon("en").stopwords | frozenset(_VAGUE)


def impact_of(text: str) -> int | None:
    if _has_any(text, _ONE):
        return IMPACT_ONE
    if _has_any(text, _WIDE, unless=_NOBODY_PERCEIVES_ME):
        return IMPACT_WIDE
    if _has_any(text, _SEVERAL):
        return IMPACT_SEVERAL
    return None


def urgency_of(text: str) -> int | None:
    if _has_any(text, _CAN_WAIT):  # first: "inte brådskande" contains "brådskande"
        return URGENCY_CAN_WAIT
    if _has_any(text, _STOPPED):
        return URGENCY_STOPPED
    if _has_any(text, _HINDERED):
        return URGENCY_HINDERED
    return None


def since_of(text: str) -> str | None:
    match = _SINCE.search(text)
    return " ".join(match.group(0).split()) if match else None


def rating_of(text: str) -> int | None:
    match = re.fullmatch(r"\s*([1-5])\s*(?:/\s*5)?\s*\W*", text)
    return int(match.group(1)) if match else None


def ticket_numbers(text: str) -> list[str]:
    return [f"{prefix.upper()}{digits}" for prefix, digits in TICKET_NUMBER.findall(text)]


def is_meaningless(text: str) -> bool:
    return not any(char.isalnum() for char in fold(text))


_REQUEST = (
    "bestalla",
    "bestallning",
    "vill bestalla",
    "behover behorighet",
    "behorighet till",
    "fa behorighet",
    "tillgang till",
    "fa tillgang",
    "behover en ny",
    "behover ett nytt",
    "installera",
    "installerat",
    "ny skarm",
    "extra skarm",
    "nytt headset",
    "gastkonto",
    "med i sandlista",
    "med i sandlistan",
    "need access",
    "access to",
    "get access",
    "request access",
    "i need a new",
    "vill ha en ny",
    "vill ha ett nytt",
    "install",
    "order",
    "new screen",
    "extra screen",
    "new headset",
    "guest account",
    "guest wifi",
)
# Said together with a request word, these mean something is broken: an incident.
_BROKEN = (
    "fungerar inte",
    "funkar inte",
    "gar inte",
    "kraschar",
    "felmeddelande",
    "kommer inte at",
    "kommer inte in",
    "kan inte",
    "not working",
    "doesn't work",
    "doesnt work",
    "can't",
    "cant",
    "cannot",
    "error",
    "broken",
    "crash",
    "crashes",
    "out of order",
)


_NEED = (
    "behover",
    "skulle behova",
    "vill ha",
    "kan jag fa",
    "skulle jag kunna fa",
    "onskar",
    "need",
    "i want",
    "can i get",
    "could i get",
    "i would like",
    "i'd like",
)
_HELP = ("hjalp", "hjalpa", "help", "support")


def expresses_need(text: str) -> bool:
    """Someone saying they need or want something ("jag behöver adobe acrobat"), not asking
    for help with it ("jag behöver hjälp med headsetet") and not reporting it broken."""
    return _has_any(text, _NEED) and not _has_any(text, _HELP) and not _has_any(text, _BROKEN)


# Words around a bare request for help: "jag vill ha hjälp", "kan du hjälpa mig?".
_ASKING_WORDS = frozenset(
    ("vill", "ha", "behover", "snalla", "tack", "need", "want", "please", "could", "would")
)


def only_asks_for_help(text: str) -> bool:
    """ "Jag vill ha hjälp", "kan du hjälpa mig?", "help please": asking for help without
    saying with what. The answer is the question what it is about, not "I did not
    understand"."""
    tokens = words(text)
    if not 0 < len(tokens) <= 8 or not _has_any(text, _HELP):
        return False
    quiet = _around_help()
    return all(token in quiet for token in tokens)


@lru_cache(maxsize=1)
def _around_help() -> frozenset[str]:
    """The words a bare request for help may have beside the help word (``_filler`` and
    the asking words), built once rather than on every message."""
    return _filler() | _ASKING_WORDS | frozenset(_HELP)


_TO_KNOW = ("veta", "fraga", "know", "ask")


def wishes_for_something(text: str) -> bool:
    """A short wish ("jag behöver visio", "i need visio") that names nothing spoc knows:
    something to order, most likely. Not wanting to know something ("jag behöver veta när
    biblioteket öppnar")."""
    return expresses_need(text) and len(words(text)) <= 6 and not _has_any(text, _TO_KNOW)


def wants_request(text: str) -> bool:
    """An order or an access request ("jag vill beställa", "I need access to …"), not a
    report of something broken."""
    return _has_any(text, _REQUEST) and not _has_any(text, _BROKEN)


@lru_cache(maxsize=1)
def _frustration() -> tuple[str, ...]:
    import yaml

    raw = yaml.safe_load(
        (Path(__file__).with_name("data") / "frustration.yaml").read_text("utf-8")
    )
    return tuple(str(phrase) for phrases in raw.values() for phrase in phrases)


def is_frustrated(text: str) -> bool:
    """Clear frustration in sv or en (``bot/data/frustration.yaml``): hand over to a person."""
    return _has_any(text, _frustration())


# A work account someone else may have got into: hand it to a person at once. The desk can
# still shut the door (new password, sessions ended) if it hears of it within minutes.
_HACKED = (
    "hackad",
    "hackat",
    "hackade",
    "blivit hackad",
    "nagon har loggat in pa mitt konto",
    "nagon annan har loggat in",
    "nagon har tagit over mitt konto",
    "hacked",
    "been hacked",
    "compromised",
    "someone logged into my account",
    "someone else logged in",
    "someone has access to my account",
)
# Only a private account ("mitt privata gmail har blivit hackat"): not the organisation's.
_PRIVATE = (
    "privat",
    "privata",
    "personal",
    "facebook",
    "instagram",
    "gmail",
    "hotmail",
    "netflix",
    "snapchat",
    "tiktok",
)
# Giving away what opens the account, on a page or prompt that was not what it seemed.
_GAVE_AWAY = (
    "skrev in mitt losenord",
    "skrev in losenordet",
    "skrev in mina uppgifter",
    "fyllde i mitt losenord",
    "fyllde i losenordet",
    "fyllde i allt",
    "fyllde i mina uppgifter",
    "loggade in pa sidan",
    "angav mitt losenord",
    "godkande en inloggning",
    "godkande inloggningen",
    "godkande en notis",
    "godkande notisen",
    "entered my password",
    "typed my password",
    "typed in my password",
    "gave my password",
    "gave away my password",
    "put in my password",
    "entered my credentials",
    "filled in my details",
    "logged in on the page",
    "approved a sign in",
    "approved the sign in",
    "approved an mfa",
    "approved the request",
    "approved the notification",
)
_NOT_WHAT_IT_SEEMED = (
    "lank",
    "lanken",
    "link",
    "mejl",
    "mejlet",
    "mail",
    "mailet",
    "email",
    "sms",
    "phishing",
    "natfiske",
    "falsk",
    "fejk",
    "fake",
    "konstig",
    "weird",
    "suspicious",
    "misstankt",
    "bluff",
    "scam",
    "inte var jag",
    "didn't start",
    "didnt start",
)


def suspects_compromise(text: str) -> bool:
    """Someone else may have got into a work account: "jag klickade på en länk i ett mejl och
    skrev in mitt lösenord", "my account has been hacked"; not a private account's."""
    if _has_any(text, _GAVE_AWAY) and _has_any(text, _NOT_WHAT_IT_SEEMED):
        return True
    return _has_any(text, _HACKED) and not _has_any(text, _PRIVATE)


_DISSATISFIED = (
    "inte nojd",
    "inte sa nojd",
    "missnojd",
    "daligt svar",
    "dalig hjalp",
    "daligt bemotande",
    "not happy with",
    "not satisfied",
    "unhappy with",
    "dissatisfied",
    "bad answer",
    "poor answer",
    "poor help",
)


def is_dissatisfied(text: str) -> bool:
    """Discontent with the help given, milder than frustration: "jag är inte nöjd med svaret",
    "not happy with the answer". A person is offered, not called in."""
    return _has_any(text, _DISSATISFIED)
