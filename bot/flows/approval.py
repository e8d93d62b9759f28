"""An approver's answer: the approve/deny buttons spoc posted to them in their chat.

The buttons are honoured whatever the approver's conversation is doing (they may have
chatted since); the desk checks that the question was posted to this very conversation and
takes the decision at most once. The conversation stays where it was.
"""

from __future__ import annotations

from bot.flows.base import Context

PREFIX = "approval:"
APPROVE = "approval:approve:"
DENY = "approval:deny:"


def is_answer(action: str | None) -> bool:
    return bool(action and action.startswith(PREFIX))


async def answer(ctx: Context) -> None:
    action = ctx.action or ""
    approve = action.startswith(APPROVE)
    raw_id = action.removeprefix(APPROVE if approve else DENY)
    if not (approve or action.startswith(DENY)) or not raw_id.isdigit() or ctx.approvals is None:
        ctx.understood = False
        ctx.say("approval_unknown")
        return
    decision = await ctx.approvals.decide(approval_id=int(raw_id), approve=approve)
    ctx.record("approval_answered", outcome=decision.outcome)
    if decision.is_new:
        ctx.say(
            "approval_recorded",
            approved=approve,
            number=decision.ticket_number,
            item=decision.item,
            requester=decision.requester,
        )
    elif decision.outcome == "already_decided":
        ctx.say(
            "approval_already_decided",
            approved=decision.state == "approved",
            expired=decision.state == "expired",
            number=decision.ticket_number,
        )
    else:
        ctx.say("approval_unknown")
