"""Reporting an incident, ITIL style: understand, try knowledge first, ask only what is
missing, confirm a summary, open a prioritised ticket."""

from __future__ import annotations

from typing import Any

from bot import nlu, privacy
from bot.flows.base import IDLE, Context, Flow, State
from bot.messages import Button
from bot.sla import IMPACT_ONE, IMPACT_WIDE, URGENCY_STOPPED
from bot.text import preview, shorten

SERVICE_UNKNOWN = "incident:service:unknown"
HELPED_YES = "incident:helped:yes"
HELPED_NO = "incident:helped:no"
OTHER_ARTICLE = "incident:article:"  # + the id of another article the search accepted
MAYBE_YES = "incident:maybe:yes"
MAYBE_NO = "incident:maybe:no"
CONFIRM = "incident:confirm"
CHANGE = "incident:change"
CANCEL = "incident:cancel"
SINCE_CHOICES = ("since_now", "since_yesterday", "since_longer")
IMPACT_CHOICES = ("impact_1", "impact_2", "impact_3")
URGENCY_CHOICES = ("urgency_1", "urgency_2", "urgency_3")
ARTICLE_PREVIEW_CHARS = 900
MIN_SYMPTOM_WORDS = 3
# Fewer words that say what goes wrong ("outlook kraschar", "vpn nere") are enough when a
# guide matches them this closely; otherwise the person is asked for more, which the search
# needs ("teams kraschar" reaches the camera guide at 68, "word hänger" Outlook's at 68).
SHORT_REPORT_SCORE = 85.0
# Someone else may be in the account: the desk must hear of it within the hour, calendar time.
COMPROMISE_PRIORITY = 2


def _case(ctx: Context) -> dict[str, Any]:
    return ctx.flow_data("incident")


def _absorb(ctx: Context, text: str, *, correcting: bool = False) -> None:
    """Take a free-text description of the incident and the facts it tells (replacing the
    summary's when ``correcting``)."""
    if text:
        case = _case(ctx)
        question = "description" not in case and nlu.asks_how(text)
        case.setdefault("description", []).append(text)
        _absorb_facts(ctx, text, correcting=correcting)
        if question:
            _a_question(case)


def _a_question(case: dict[str, Any]) -> None:
    """The person asks how to do something: the question says what they want, a guide is
    the answer, and if none is, the desk answers it. Nothing is broken, so "since when"
    means nothing; unless the text says otherwise it is one person's question."""
    case["question"] = True
    case["symptom_known"] = True
    case.setdefault("since", None)
    case.setdefault("impact", IMPACT_ONE)


def _absorb_facts(ctx: Context, text: str, *, correcting: bool = False) -> None:
    """Service, since when, impact and urgency, when the text says them. Answers stay,
    unless the person is correcting the summary; a service guessed from a guide gives way
    to one the person names."""
    case = _case(ctx)
    replace = correcting or case.get("service_guessed")
    if ("service_id" not in case or replace) and (match := ctx.services.catalog.match(text)):
        case["service_id"] = match.service.id
        case.pop("service_guessed", None)
    if ("since" not in case or correcting) and (since := nlu.since_of(text)):
        case["since"] = since
    if ("impact" not in case or correcting) and (impact := nlu.impact_of(text)) is not None:
        case["impact"] = impact
    if ("urgency" not in case or correcting) and (urgency := nlu.urgency_of(text)) is not None:
        case["urgency"] = urgency
    if nlu.suspects_compromise(text):
        # What happened is told, it stops the work, and when matters less than now. It is the
        # security service's, whatever else the text names ("länken i mejlet" is no e-mail
        # fault).
        case["compromise"] = case["symptom_known"] = True
        for slot, value in (("urgency", URGENCY_STOPPED), ("impact", IMPACT_ONE), ("since", None)):
            case.setdefault(slot, value)
        if (security := ctx.services.catalog.security) is not None:
            case["service_id"] = security.id
    if nlu.says_what_happens(text) and (
        len(text.split()) >= MIN_SYMPTOM_WORDS or _a_guide_fits(ctx, text)
    ):
        case["symptom_known"] = True


def _a_guide_fits(ctx: Context, text: str) -> bool:
    hits = ctx.services.knowledge.search(privacy.without_masked(text), lang=ctx.locale, limit=1)
    return bool(hits) and hits[0].score >= SHORT_REPORT_SCORE


def _next_missing(ctx: Context) -> str:
    case = _case(ctx)
    if case.get("question") and not case.get("articles_done"):
        return "incident.suggest"  # a guide first: the service matters only for a ticket
    if "service_id" not in case and not case.get("service_asked"):
        return "incident.service"
    if not case.get("symptom_known"):
        return "incident.symptom"
    if not case.get("articles_done") and (
        case.get("impact") != IMPACT_WIDE or case.get("compromise")  # its first steps, still
    ):
        return "incident.suggest"
    for slot in ("since", "impact", "urgency"):
        if slot not in case:
            return f"incident.{slot}"
    return "incident.confirm"


def _choices(ctx: Context, prefix: str, keys: tuple[str, ...]) -> list[Any]:
    return [ctx.button(key, f"incident:{prefix}:{index}") for index, key in enumerate(keys, 1)]


def _chosen(ctx: Context, prefix: str) -> int | None:
    marker = f"incident:{prefix}:"
    if ctx.action and ctx.action.startswith(marker):
        return int(ctx.action.removeprefix(marker))
    return None


async def _start(ctx: Context) -> str | None:
    """Entered with the message that described the problem."""
    ctx.data["incident"] = {}
    _absorb(ctx, ctx.text)
    return _next_missing(ctx)


async def _ask_describe(ctx: Context) -> str | None:
    ctx.data["incident"] = {}
    ctx.say("ask_describe")
    return None


async def _describe(ctx: Context) -> str:
    if not ctx.text:
        ctx.say("ask_describe")
        return "incident.describe"
    _absorb(ctx, ctx.text)
    _case(ctx)["symptom_known"] = True
    return _next_missing(ctx)


async def _ask_service(ctx: Context) -> str | None:
    case = _case(ctx)
    case["service_asked"] = True
    buttons = [
        Button(service.name(ctx.locale), f"incident:service:{service.id}")
        for service in ctx.services.catalog.services[:6]
    ]
    ctx.say("ask_service", [*buttons, ctx.button("dont_know", SERVICE_UNKNOWN)])
    return None


async def _service(ctx: Context) -> str:
    case = _case(ctx)
    chosen = (ctx.action or "").removeprefix("incident:service:")
    if ctx.action and ctx.services.catalog.get(chosen):
        case["service_id"] = chosen
    elif ctx.action != SERVICE_UNKNOWN:
        _absorb(ctx, ctx.text)
    return _next_missing(ctx)


async def _ask_symptom(ctx: Context) -> str | None:
    case = _case(ctx)
    service = ctx.services.catalog.get(case.get("service_id"))
    # Sympathy for trouble only when the person said there is trouble: "outlook" or "kan
    # du boka ett mötesrum" says which service, not that something is wrong with it.
    described = " ".join(case.get("description", []))
    troubled = nlu.describes_problem(described)
    # "teams kraschar" said what happens, too briefly for a guide: ask for more, not for it.
    told = nlu.says_what_happens(described)
    name = service.name(ctx.locale) if service else None
    ctx.say("ask_symptom", service=name, troubled=troubled, told=told)
    return None


async def _symptom(ctx: Context) -> str:
    _absorb(ctx, ctx.text)
    _case(ctx)["symptom_known"] = True
    return _next_missing(ctx)


async def _suggest(ctx: Context) -> str | None:
    case = _case(ctx)
    if case.get("article_id"):  # asked again (a stale button, say): nothing new to search
        return "incident.helped"
    case["articles_done"] = True
    query = privacy.without_masked(" ".join(case.get("description", [])))
    hits, maybe = ctx.services.knowledge.suggestions(query, lang=ctx.locale, limit=3)
    if case.get("compromise"):
        return _first_steps(ctx, [hit.article for hit in hits])
    if not hits:
        ctx.record("kb_no_match", query=shorten(query, 300), lang=ctx.locale)
        if maybe is not None:
            # Not sure enough to show, likely enough to ask about: the title, and a choice.
            case["maybe"] = maybe.article.id
            case["searched"] = shorten(query, 300)
            ctx.record("article_maybe_offered", article_id=maybe.article.id)
            return "incident.maybe"
        return _without_guide(ctx)
    # The search's runners-up stay on offer: the person can see at a glance that the first
    # guide is about something else and open the right one, instead of a ticket.
    case["other_articles"] = [hit.article.id for hit in hits[1:]]
    # What was asked, masked, for the question's place among the guide's examples if it
    # helps (``spoc kb examples``).
    case["searched"] = shorten(query, 300)
    _suggested(ctx, hits[0].article.id, score=round(hits[0].score, 1))
    return "incident.helped"


def _first_steps(ctx: Context, articles: list[Any]) -> str:
    """Someone may be in the account: the first steps to do now from a guide of the security
    service (not "account locked", which "hacked" also finds), no "did it help?", and
    straight on to a ticket for that service, which the desk takes at once."""
    security = ctx.services.catalog.security
    article = next(
        (a for a in articles if security and ctx.services.catalog.named(a.service) == security),
        None,
    )
    if article is not None:
        _suggested(ctx, article.id, compromise=True)
    body = preview(article.body, ARTICLE_PREVIEW_CHARS) if article else None
    wide = _case(ctx).get("impact") == IMPACT_WIDE
    ctx.say("compromise_steps", title=article.title if article else None, body=body, wide=wide)
    return _next_missing(ctx)


def _without_guide(ctx: Context) -> str:
    if _case(ctx).get("question"):
        ctx.say("question_without_guide")
    return _next_missing(ctx)


async def _ask_maybe(ctx: Context) -> str | None:
    article = ctx.services.knowledge.get(_case(ctx).get("maybe", ""), ctx.locale)
    if article is None:  # taken out of the knowledge base since
        return _without_guide(ctx)
    buttons = [ctx.button("maybe_yes", MAYBE_YES), ctx.button("maybe_no", MAYBE_NO)]
    ctx.say("maybe_article", buttons, title=article.title)
    return None


async def _maybe(ctx: Context) -> str:
    """The answer to "maybe this guide?": yes shows it as any guide is shown; no, or words
    that are neither, go on without one (the words as more of the description)."""
    case = _case(ctx)
    article_id = case.pop("maybe", "")
    answer = ctx.answer(MAYBE_YES, MAYBE_NO)
    if answer and ctx.services.knowledge.get(article_id, ctx.locale):
        _suggested(ctx, article_id, maybe=True)
        return "incident.helped"
    ctx.record("article_maybe_declined", article_id=article_id)
    if answer is None and ctx.text:
        _absorb(ctx, ctx.text)
    if not _case(ctx).get("question"):
        ctx.say("maybe_declined")
    return _without_guide(ctx)


def _suggested(ctx: Context, article_id: str, **event: Any) -> None:
    case = _case(ctx)
    case["article_id"] = article_id
    case.setdefault("articles_tried", []).append(article_id)
    ctx.record("article_suggested", article_id=article_id, **event)
    # The guide's service routes the ticket if it comes to one, instead of asking for it:
    # "hur slår jag på autosvar" names no service, its guide is E-post och kalender's.
    article = ctx.services.knowledge.get(article_id, ctx.locale)
    if (
        "service_id" not in case
        and article
        and (known := ctx.services.catalog.named(article.service))
    ):
        case["service_id"] = known.id
        case["service_guessed"] = True


async def _present(ctx: Context) -> None:
    """The guide in full the first time; after that only the question, with its title."""
    case = _case(ctx)
    article = ctx.services.knowledge.get(case.get("article_id", ""), ctx.locale)
    others = [
        other
        for other_id in case.get("other_articles", [])
        if (other := ctx.services.knowledge.get(other_id, ctx.locale)) is not None
    ]
    buttons = [
        ctx.button("helped_yes", HELPED_YES),
        ctx.button("helped_no", HELPED_NO),
        *(Button(other.title, OTHER_ARTICLE + other.id) for other in others),
    ]
    question = bool(case.get("question"))
    if article is None or case.get("presented") == article.id:
        title = article.title if article else None
        ctx.say("ask_helped", buttons, title=title, question=question)
        return
    case["presented"] = article.id
    ctx.say(
        "article_suggestion",
        buttons,
        title=article.title,
        body=preview(article.body, ARTICLE_PREVIEW_CHARS),
        others=bool(others),
        question=question,
    )


async def _helped(ctx: Context) -> str:
    case = _case(ctx)
    if ctx.action and ctx.action.startswith(OTHER_ARTICLE):
        return _other_article(ctx, ctx.action.removeprefix(OTHER_ARTICLE))
    answer = ctx.answer(HELPED_YES, HELPED_NO)
    if answer is None:
        ctx.understood = False
        ctx.say("ask_helped_again")
        return "incident.helped"
    article_id = case.get("article_id")
    if answer:
        ctx.record(
            "article_helped", article_id=article_id, query=case.get("searched"), lang=ctx.locale
        )
        ctx.say("glad_it_helped")
        ctx.data.pop("incident", None)
        return "feedback.rate"
    ctx.record("article_not_helped", article_id=article_id)
    if ctx.text and nlu.yes_or_no(ctx.text) is None:
        _absorb(ctx, ctx.text)
    ctx.say("sorry_not_helped")
    return _next_missing(ctx)


def _other_article(ctx: Context, article_id: str) -> str:
    """The person chose another of the search's articles: the first one was not about this."""
    case = _case(ctx)
    others = case.get("other_articles", [])
    if article_id in others and ctx.services.knowledge.get(article_id, ctx.locale):
        ctx.record("article_not_helped", article_id=case.get("article_id"), chosen=article_id)
        case["other_articles"] = [other for other in others if other != article_id]
        _suggested(ctx, article_id, chosen=True)
    return "incident.helped"  # a guide since taken out of the knowledge base: ask again


def _slot_step(slot: str, choices: tuple[str, ...], extract: Any) -> State:
    async def ask(ctx: Context) -> str | None:
        ctx.say(f"ask_{slot}", _choices(ctx, slot, choices))
        return None

    async def handle(ctx: Context) -> str:
        case = _case(ctx)
        chosen = _chosen(ctx, slot)
        if chosen is not None:
            case[slot] = ctx.label(choices[chosen - 1]) if slot == "since" else chosen
        else:
            _absorb_facts(ctx, ctx.text)
            value = extract(ctx.text)
            if value is None:
                ctx.understood = False
                ctx.say(f"ask_{slot}_again", _choices(ctx, slot, choices))
                return f"incident.{slot}"
            case[slot] = value
        return _next_missing(ctx)

    return State(ask, handle)


def _summary(ctx: Context) -> dict[str, Any]:
    case = _case(ctx)
    service = ctx.services.catalog.get(case.get("service_id"))
    return {
        "service": service.name(ctx.locale) if service else None,
        "question": bool(case.get("question")),
        "description": shorten(nlu.without_greeting(" ".join(case.get("description", []))), 600),
        "since": case.get("since"),
        "impact": ctx.label(IMPACT_CHOICES[int(case["impact"]) - 1]),
        "urgency": ctx.label(URGENCY_CHOICES[int(case["urgency"]) - 1]),
    }


async def _ask_confirm(ctx: Context) -> str | None:
    ctx.say(
        "summary",
        [
            ctx.button("confirm_ticket", CONFIRM),
            ctx.button("change", CHANGE),
            ctx.button("cancel", CANCEL),
        ],
        **_summary(ctx),
    )
    return None


async def _confirm(ctx: Context) -> str:
    if ctx.action == CHANGE:
        ctx.say("ask_change")
        return "incident.change"
    answer = ctx.answer(CONFIRM, CANCEL)
    if answer is None:
        # Extra detail typed instead of a button press: add it and confirm again.
        _absorb(ctx, ctx.text)
        return "incident.confirm"
    if not answer:
        ctx.data.pop("incident", None)
        ctx.say("incident_cancelled")
        return IDLE
    return await _open(ctx)


async def _open(ctx: Context) -> str:
    case = _case(ctx)
    service = ctx.services.catalog.get(case.get("service_id"))
    urgency = int(case["urgency"])
    if service and service.is_critical:
        urgency = max(1, urgency - 1)
    summary = _summary(ctx)
    first = nlu.without_greeting(case["description"][0])
    ticket = await ctx.open_ticket(
        kind="INC",
        title=shorten(f"{summary['service']}: {first}" if summary["service"] else first, 120),
        description=summary["description"],
        service_id=service.id if service else None,
        owner_group=service.owner_group if service else "Servicedesk",
        impact=int(case["impact"]),
        urgency=urgency,
        priority_at_least=COMPROMISE_PRIORITY if case.get("compromise") else None,
        details={
            "since": case.get("since"),
            "compromise": bool(case.get("compromise")),  # someone else may be in the account
            "articles_tried": case.get("articles_tried", []),
            "question": bool(case.get("question")),  # asked how to, nothing broken
            "reported_urgency": int(case["urgency"]),
        },
    )
    ctx.record("ticket_opened", number=ticket.number, priority=ticket.priority)
    compromise = bool(case.get("compromise"))
    ctx.data.pop("incident", None)
    ctx.data["last_ticket"] = ticket.number
    ask_contact = ctx.channel == "webchat" and ctx.services.mailer is not None
    if ask_contact:  # a citizen's session ends; an e-mail address can still be told news
        ctx.data["contact_for"] = ticket.number
    ctx.say(
        "ticket_opened",
        ask_contact=ask_contact,
        number=ticket.number,
        priority=ticket.priority,
        group=ticket.owner_group,
        response=ticket.response_words,
        resolve=ticket.resolve_words,
    )
    if ticket.priority == 1 or compromise:  # a person takes it from here
        ctx.data["escalation_reason"] = "security" if compromise else "p1"
        return "handoff.escalate"
    return "feedback.rate"


async def _change(ctx: Context) -> str:
    """What the person changes or adds: what it says of service, since when, impact and
    urgency replaces the summary's, and the rest is added to the description."""
    _absorb(ctx, ctx.text, correcting=True)
    return "incident.confirm"


FLOW = Flow(
    "incident",
    {
        "start": State(_start, _describe),
        "describe": State(_ask_describe, _describe),
        "service": State(_ask_service, _service),
        "symptom": State(_ask_symptom, _symptom),
        "suggest": State(_suggest, _helped),
        "helped": State(_present, _helped),
        "maybe": State(_ask_maybe, _maybe),
        "since": _slot_step("since", SINCE_CHOICES, nlu.since_of),
        "impact": _slot_step("impact", IMPACT_CHOICES, nlu.impact_of),
        "urgency": _slot_step("urgency", URGENCY_CHOICES, nlu.urgency_of),
        "confirm": State(_ask_confirm, _confirm),
        "change": State(None, _change),
    },
)
