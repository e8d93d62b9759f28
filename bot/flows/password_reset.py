"""Self-service password reset and account unlock, without a password ever in the chat.

1. The person names the account (username or work e-mail).
2. A one-time code (six digits, stored only as an argon2 hash, valid for
   ``SPOC_RESET_CODE_MINUTES``) goes to a contact point registered for the account that is
   not the account itself: the private e-mail, else the mobile. The answer is the same
   whether or not the account exists, and costs the same work (lookup and hashing), so the
   chat does not tell who works here.
3. Three wrong codes end it: the flow is locked in this conversation (starting over does
   not give new tries), and after three wrong codes for an account from any conversations
   no new codes go to it for a while (:data:`bot.directory.reset.LOCKOUT`).
4. The right code: unlock clears the lockout at once; reset gives a single-use link, valid
   for ``SPOC_RESET_LINK_MINUTES``, to spoc's page where the new password is chosen
   (:mod:`bot.web.reset`).

Every step is recorded as a conversation event; none holds a code, a token or a password,
and what the person typed as the account is recorded only when it named a real one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import nlu, otp
from bot.agents.hours import phone_hours
from bot.directory.base import DirectoryUnavailable, Person, is_plausible_account
from bot.flows.base import IDLE, NEW_TOPIC, Context, Flow, State

if TYPE_CHECKING:
    from bot.directory import Directory
    from bot.directory.reset import ResetLinks
    from bot.mail import Mailer

RESET = "reset"
UNLOCK = "unlock"
MAX_ATTEMPTS = otp.MAX_ATTEMPTS
FORGOT = "password_reset:forgot"
LOCKED_OUT = "password_reset:locked"
NEW_CODE = "password_reset:new_code"
BACK = "password_reset:back"
LOCKED = "password_reset_locked"  # conversation data: this conversation may not try again
WRONG = "password_reset_wrong"  # conversation data: wrong codes, over every code it was sent


def intent(text: str) -> str | None:
    """The state a message about a forgotten password or a locked account starts in."""
    if nlu.wants_password_reset(text):
        return "password_reset.start"
    if nlu.wants_unlock(text):
        return "password_reset.unlock"
    return None


def available(ctx: Context) -> bool:
    """Whether spoc can do resets here: it needs the directory, the reset page, and a way
    for a code to leave (mail, text messages, or the development outbox). In production
    with neither a mail server nor an SMS gateway, no code could ever arrive: spoc says so
    at once instead of promising one."""
    services = ctx.services
    if services.directory is None or services.mailer is None or services.resets is None:
        return False
    return services.mailer.sends_email or services.mailer.can_text()


async def _ask_which(ctx: Context) -> str | None:
    ctx.say(
        "reset_choose",
        [ctx.button("reset_forgot", FORGOT), ctx.button("reset_locked", LOCKED_OUT)],
    )
    return None


async def _which(ctx: Context) -> str:
    """The menu's account button: a forgotten password, or a locked account?"""
    if ctx.action == FORGOT:
        return "password_reset.start"
    if ctx.action == LOCKED_OUT:
        return "password_reset.unlock"
    return intent(ctx.text) or NEW_TOPIC


def _case(ctx: Context) -> dict[str, Any]:
    """A copy of the flow's state; :func:`_keep` stores it back whole."""
    return dict(ctx.data.get("password_reset") or {})


def _keep(ctx: Context, case: dict[str, Any]) -> None:
    ctx.data["password_reset"] = case


def _desk(ctx: Context) -> dict[str, str]:
    settings = ctx.services.settings
    return {"phone": settings.service_desk_phone, "hours": phone_hours(settings, ctx.locale)}


def _begin(ctx: Context, purpose: str) -> str | None:
    if ctx.data.get(LOCKED):
        ctx.say("reset_locked", **_desk(ctx))
        return IDLE
    if not available(ctx):
        ctx.record("reset_not_offered", purpose=purpose)
        ctx.say("reset_not_offered", **_desk(ctx))
        return IDLE
    ctx.data["password_reset"] = {"purpose": purpose}
    ctx.record("reset_started", purpose=purpose)
    ctx.say("reset_ask_account" if purpose == RESET else "unlock_ask_account")
    return None


async def _ask_reset(ctx: Context) -> str | None:
    return _begin(ctx, RESET)


async def _ask_unlock(ctx: Context) -> str | None:
    return _begin(ctx, UNLOCK)


def _parts(ctx: Context) -> tuple[Directory, Mailer, ResetLinks]:
    """The injected services the flow needs; :func:`_begin` answers when one is missing."""
    services = ctx.services
    if services.directory is None or services.mailer is None or services.resets is None:
        raise RuntimeError("password reset needs a directory, a mailer and reset links")
    return services.directory, services.mailer, services.resets


async def _account(ctx: Context) -> str:
    """The person named the account: send a code if it exists, answer the same if not."""
    case = _case(ctx)
    if "purpose" not in case:
        return NEW_TOPIC
    who = ctx.text.strip()
    if not is_plausible_account(who):
        ctx.understood = False
        ctx.say("reset_account_again")
        return "password_reset.account"
    directory, _, links = _parts(ctx)
    try:
        person = await directory.find(who)
    except DirectoryUnavailable:
        ctx.record("reset_directory_unavailable", purpose=case["purpose"])
        ctx.data.pop("password_reset", None)
        ctx.say("reset_unavailable", **_desk(ctx))
        return IDLE
    code, code_hash = await otp.new_code()
    minutes = ctx.services.settings.reset_code_minutes
    # The lockout is looked up for an unknown account too: both answers cost the same.
    locked_out = await links.is_locked_out(person.username if person else who.lower())
    if person is None:
        ctx.record("reset_code_not_sent", purpose=case["purpose"], reason="unknown_account")
    elif locked_out:
        ctx.record(
            "reset_code_not_sent",
            purpose=case["purpose"],
            username=person.username,
            reason="too_many_wrong_codes",
        )
    elif via := await _send_code(ctx, person, code, minutes):
        ctx.record("reset_code_sent", purpose=case["purpose"], username=person.username, via=via)
    else:
        ctx.record(
            "reset_code_not_sent",
            purpose=case["purpose"],
            username=person.username,
            reason="no_contact_point",
        )
    case.update(
        username=person.username if person else None,
        code_hash=code_hash,
        expires_at=(ctx.services.now() + timedelta(minutes=minutes)).isoformat(),
    )
    _keep(ctx, case)
    ctx.say("reset_code_sent", minutes=minutes, **_desk(ctx))
    return "password_reset.code"


async def _send_code(ctx: Context, person: Person, code: str, minutes: int) -> str | None:
    """Send the code to a contact point outside the account; returns which, or None."""
    _, mailer, _ = _parts(ctx)
    words = ctx.services.replies.text
    context = {
        "person": person.display_name,
        "code": code,
        "minutes": minutes,
        "purpose": _case(ctx)["purpose"],
        "organisation": ctx.services.settings.organisation_name,
        **_desk(ctx),
    }
    if person.private_email:
        subject = ctx.label("reset_mail_subject")
        body = words(ctx.locale, "reset_code_mail", **context)
        await mailer.send(person.private_email, subject, body)
        return "email"
    if person.mobile and mailer.can_text():
        await mailer.send_sms(person.mobile, words(ctx.locale, "reset_code_sms", **context))
        return "sms"
    return None


async def _code(ctx: Context) -> str:
    case = _case(ctx)
    if "code_hash" not in case:
        return NEW_TOPIC
    code = otp.code_of(ctx.text)
    if code is None:
        ctx.understood = False
        ctx.say("reset_code_format", **_desk(ctx))
        return "password_reset.code"
    if ctx.services.now() > datetime.fromisoformat(case["expires_at"]):
        ctx.record("reset_code_expired", purpose=case["purpose"])
        ctx.data["password_reset"] = {"purpose": case["purpose"]}
        buttons = [ctx.button("new_code", NEW_CODE), ctx.button("back_to_menu", BACK)]
        ctx.say("reset_code_expired", buttons, minutes=ctx.services.settings.reset_code_minutes)
        return "password_reset.expired"
    username = case.get("username")
    if not await otp.matches(case["code_hash"], code) or username is None:
        return await _wrong(ctx, case)
    ctx.record("reset_verified", purpose=case["purpose"], username=username)
    ctx.data.pop("password_reset", None)
    if case["purpose"] == UNLOCK:
        return await _unlock(ctx, username)
    token = await _parts(ctx)[2].issue(username=username, locale=ctx.locale)
    base = ctx.services.settings.public_base_url.rstrip("/")
    ctx.record("reset_link_issued", username=username)
    ctx.say(
        "reset_link",
        link=f"{base}/reset/{token}",
        minutes=ctx.services.settings.reset_link_minutes,
    )
    return IDLE


async def _wrong(ctx: Context, case: dict[str, Any]) -> str:
    ctx.data[WRONG] = attempts = int(ctx.data.get(WRONG, 0)) + 1
    ctx.record("reset_code_wrong", purpose=case["purpose"], attempt=attempts)
    username = case.get("username")
    if username:
        await _parts(ctx)[2].record_failure(username)
    if attempts < MAX_ATTEMPTS:
        ctx.say("reset_code_wrong", left=MAX_ATTEMPTS - attempts)
        return "password_reset.code"
    ctx.record("reset_locked", purpose=case["purpose"], username=username)
    ctx.data.pop("password_reset", None)
    ctx.data[LOCKED] = True
    ctx.say("reset_locked", **_desk(ctx))
    return IDLE


async def _unlock(ctx: Context, username: str) -> str:
    directory = _parts(ctx)[0]
    try:
        person = await directory.find(username)
        if person is not None and person.locked:
            await directory.unlock(username)
    except DirectoryUnavailable:
        ctx.record("reset_directory_unavailable", purpose=UNLOCK)
        ctx.say("reset_unavailable", **_desk(ctx))
        return IDLE
    if person is None or not person.locked:
        ctx.record("unlock_not_needed", username=username)
        ctx.say("unlock_not_locked", **_desk(ctx))
        return IDLE
    ctx.record("account_unlocked", username=username)
    ctx.say("unlock_done")
    return "feedback.rate"


async def _expired(ctx: Context) -> str:
    if ctx.action == NEW_CODE:
        purpose = _case(ctx).get("purpose", RESET)
        return "password_reset.start" if purpose == RESET else "password_reset.unlock"
    ctx.data.pop("password_reset", None)
    return "greeting.menu" if ctx.action == BACK else NEW_TOPIC


FLOW = Flow(
    "password_reset",
    {
        "choose": State(_ask_which, _which),
        "start": State(_ask_reset, _account),
        "unlock": State(_ask_unlock, _account),
        "account": State(None, _account),
        "code": State(None, _code),
        "expired": State(None, _expired),
    },
)
