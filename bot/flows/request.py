"""Ordering something or asking for access (ITIL request fulfilment): find the catalog item,
ask what it needs, confirm a summary, open a REQ ticket and ask for approval when the item
needs it. Approvers answer in :mod:`bot.flows.approval`."""

from __future__ import annotations

from typing import Any

from bot.flows.base import IDLE, Context, Flow, State
from bot.flows.handoff import NOT_IN_CATALOG
from bot.messages import Button
from bot.request_items import Field, RequestItem
from bot.text import fold, shorten

ITEM = "request:item:"
OTHER = "request:other"
OPTION = "request:opt:"
SKIP = "request:skip"
CONFIRM = "request:confirm"
CHANGE = "request:change"
CANCEL = "request:cancel"
MAX_ITEM_BUTTONS = 8
MAX_ANSWER_CHARS = 300
# Requests wait on people, not on a broken service: one person affected, work hindered.
REQUEST_IMPACT = 3
REQUEST_URGENCY = 2


def _case(ctx: Context) -> dict[str, Any]:
    return ctx.flow_data("request")


def _item(ctx: Context) -> RequestItem | None:
    return ctx.services.catalog.requests.get(_case(ctx).get("item"))


def _field(ctx: Context) -> Field | None:
    item, field_id = _item(ctx), _case(ctx).get("field")
    return next((f for f in item.fields if f.id == field_id), None) if item else None


def _next_missing(ctx: Context) -> str:
    case, item = _case(ctx), _item(ctx)
    if item is None:
        return "request.choose"
    answers, skipped = case.setdefault("answers", {}), case.setdefault("skipped", [])
    for field in item.fields:
        if field.id not in answers and field.id not in skipped:
            case["field"] = field.id
            return "request.field"
    return "request.confirm"


def _choose(ctx: Context, item: RequestItem) -> str:
    ctx.data["request"] = {"item": item.id, "answers": {}, "skipped": []}
    ctx.record("request_item_chosen", item_id=item.id)
    return _next_missing(ctx)


async def _start(ctx: Context) -> str | None:
    """Entered with the message that asked for something."""
    ctx.data["request"] = {}
    matches = ctx.services.catalog.requests.ranked(ctx.text)
    if matches and matches[0].is_sure and (len(matches) == 1 or not matches[1].is_sure):
        return _choose(ctx, matches[0].item)
    if not matches and ctx.services.catalog.match(ctx.text):
        # "tillgång till ekonomisystemet": it names a system, and no item orders it.
        return "request.unlisted"
    _case(ctx)["candidates"] = [match.item.id for match in matches]
    return "request.choose"


async def _ask_item(ctx: Context) -> str | None:
    requests = ctx.services.catalog.requests
    candidates = [requests.get(i) for i in _case(ctx).get("candidates", [])]
    items = [item for item in candidates if item] or list(requests.items)
    ctx.say("ask_request_item", _item_buttons(ctx, items), unsure=bool(candidates))
    return None


async def _unlisted(ctx: Context) -> str | None:
    """ "Jag behöver visio": a wish the catalogue does not name. Say so, show what can be
    ordered here, and "something else" goes on to the service desk."""
    ctx.data["request"] = {"candidates": []}
    ctx.record("request_item_not_found")
    items = list(ctx.services.catalog.requests.items)
    ctx.say("request_item_not_found", _item_buttons(ctx, items))
    return None


def _item_buttons(ctx: Context, items: list[RequestItem]) -> list[Button]:
    buttons = [Button(item.name(ctx.locale), f"{ITEM}{item.id}") for item in items]
    return [*buttons[:MAX_ITEM_BUTTONS], ctx.button("request_other", OTHER)]


async def _item_chosen(ctx: Context) -> str:
    requests = ctx.services.catalog.requests
    if ctx.action == OTHER:
        ctx.data.pop("request", None)
        ctx.data["escalation_reason"] = NOT_IN_CATALOG
        return "handoff.escalate"
    if ctx.action and (item := requests.get(ctx.action.removeprefix(ITEM))):
        return _choose(ctx, item)
    matches = requests.ranked(ctx.text)
    if matches:
        return _choose(ctx, matches[0].item)
    ctx.understood = False
    _case(ctx)["candidates"] = []
    ctx.say("request_item_not_found")
    return "request.choose"


async def _ask_field(ctx: Context) -> str | None:
    field = _field(ctx)
    if field is None:
        return _next_missing(ctx)
    item, case = _item(ctx), _case(ctx)
    hint = item.hint(ctx.locale) if item and not case.get("hinted") else None
    case["hinted"] = True
    ctx.say(
        "ask_request_field",
        _field_buttons(ctx, field),
        question=field.question(ctx.locale),
        hint=hint,
    )
    return None


def _field_buttons(ctx: Context, field: Field) -> list[Button]:
    buttons = [Button(option.name(ctx.locale), f"{OPTION}{option.id}") for option in field.options]
    if not field.required:
        buttons.append(ctx.button("skip", SKIP))
    return buttons


def _option_in(field: Field, text: str) -> str | None:
    """The option a typed answer names ("läsa och skicka", "2")."""
    folded = fold(text).strip(" .!")
    if folded.isdigit() and 1 <= int(folded) <= len(field.options):
        return field.options[int(folded) - 1].id
    named = [o.id for o in field.options if any(fold(n) == folded for n in o.names.values())]
    if named:
        return named[0]
    partial = [o.id for o in field.options if any(folded in fold(n) for n in o.names.values())]
    return partial[0] if len(partial) == 1 and folded else None


async def _answer(ctx: Context) -> str:
    case, field = _case(ctx), _field(ctx)
    if field is None:
        return _next_missing(ctx)
    if ctx.action == SKIP and not field.required:
        case["skipped"].append(field.id)
        return _next_missing(ctx)
    if field.kind == "choice":
        chosen = (
            (ctx.action or "").removeprefix(OPTION) if ctx.action else _option_in(field, ctx.text)
        )
        if chosen and field.option(chosen):
            case["answers"][field.id] = chosen
            return _next_missing(ctx)
    elif ctx.text.strip():
        case["answers"][field.id] = shorten(ctx.text.strip(), MAX_ANSWER_CHARS)
        return _next_missing(ctx)
    ctx.understood = False
    ctx.say(
        "ask_request_field_again",
        _field_buttons(ctx, field),
        question=field.question(ctx.locale),
        is_choice=field.kind == "choice",
    )
    return "request.field"


def answers_of(item: RequestItem, case: dict[str, Any], locale: str) -> list[tuple[str, str]]:
    """(label, answer) pairs as the person gave them, in the item's order."""
    pairs = []
    for field in item.fields:
        value = case.get("answers", {}).get(field.id)
        if value is None:
            continue
        option = field.option(value) if field.kind == "choice" else None
        pairs.append((field.label(locale), option.name(locale) if option else str(value)))
    return pairs


async def _ask_confirm(ctx: Context) -> str | None:
    item = _item(ctx)
    if item is None:
        return "request.choose"
    ctx.say(
        "request_summary",
        [
            ctx.button("request_confirm", CONFIRM),
            ctx.button("change", CHANGE),
            ctx.button("cancel", CANCEL),
        ],
        item=item.name(ctx.locale),
        answers=answers_of(item, _case(ctx), ctx.locale),
        approval=item.approval,
        owner=item.owner_name or item.owner,
        group=item.fulfilment_group,
    )
    return None


async def _confirm(ctx: Context) -> str:
    if ctx.action == CHANGE:
        item = _item(ctx)
        return _choose(ctx, item) if item else "request.choose"
    answer = ctx.answer(CONFIRM, CANCEL)
    if answer is None:
        ctx.understood = False
        return "request.confirm"
    if not answer:
        ctx.data.pop("request", None)
        ctx.say("request_cancelled")
        return IDLE
    return await _open(ctx)


async def _open(ctx: Context) -> str:
    case, item = _case(ctx), _item(ctx)
    if item is None:
        return "request.choose"
    answers = answers_of(item, case, ctx.locale)
    title = f"{item.name(ctx.locale)}: {answers[0][1]}" if answers else item.name(ctx.locale)
    ticket = await ctx.open_ticket(
        kind="REQ",
        title=shorten(title, 120),
        description="\n".join(f"{label}: {value}" for label, value in answers) or title,
        service_id=None,
        owner_group=item.fulfilment_group,
        impact=REQUEST_IMPACT,
        urgency=REQUEST_URGENCY,
        details={"item_id": item.id, "answers": answers, "approval": item.approval},
    )
    ctx.record("ticket_opened", number=ticket.number, priority=ticket.priority)
    ctx.record("request_opened", item_id=item.id, approval=item.approval)
    ctx.data.pop("request", None)
    ctx.data["last_ticket"] = ticket.number
    said: dict[str, Any] = {
        "number": ticket.number,
        "item": item.name(ctx.locale),
        "group": ticket.owner_group,
    }
    if item.is_pre_approved:
        if ctx.approvals is not None:
            await ctx.approvals.mark_pre_approved(ticket_number=ticket.number)
        ctx.say(
            "request_sent", response=ticket.response_words, resolve=ticket.resolve_words, **said
        )
        return "feedback.rate"
    if ctx.approvals is None:
        ctx.say("request_sent_for_approval_by_desk", **said)
        return "feedback.rate"
    asked = await ctx.approvals.ask_approval(ticket_number=ticket.number, item=item)
    ctx.say(
        "request_awaiting_approval",
        approver=asked.approver.shown,
        is_manager=asked.approver.rule == "manager",
        stand_in=item.approval == "manager" and asked.approver.rule != "manager",
        via=asked.via,
        channel=asked.channel,
        **said,
    )
    return "feedback.rate"


FLOW = Flow(
    "request",
    {
        "start": State(_start, _item_chosen),
        "choose": State(_ask_item, _item_chosen),
        "unlisted": State(_unlisted, _item_chosen),
        "field": State(_ask_field, _answer),
        "confirm": State(_ask_confirm, _confirm),
    },
)
