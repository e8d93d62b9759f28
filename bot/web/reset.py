"""The page behind a reset link: ``GET /reset/{token}`` shows the form, ``POST`` sets the
new password in the directory.

The form is protected against cross-site requests twice: a double-submit token (a random
value in a ``SameSite=Strict`` cookie that must equal the form's hidden field) and, when the
browser sends one, an ``Origin`` that must be spoc's own. Every answer is a page a person
can act on: a used, expired or unknown link gets 410 (404 for a malformed one), a broken
rule gets the form again with what to change, a forged post 403; nothing here is a 5xx
except an unreachable directory (503).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from bot.agents.hours import phone_hours
from bot.app import Spoc
from bot.config import Settings
from bot.directory import (
    DirectoryUnavailable,
    PasswordRejected,
    Person,
    UnknownAccount,
    policy,
)
from bot.directory.reset import is_token_shaped
from bot.store import repo
from bot.store.accounts import ResetLink
from bot.store.unit import joined
from bot.web.pages import LINKS, page_environment
from bot.web.security import origin_of, same_secret

log = logging.getLogger(__name__)

COOKIE = "spoc_reset_csrf"
COOKIE_PATH = "/reset/"
DIRECTORY_REFUSED = "directory_refused"
MESSAGES = {
    "sv": {
        policy.TOO_SHORT: "Lösenordet är för kort: det behöver vara minst {min} tecken.",
        policy.TOO_LONG: "Lösenordet är för långt: högst {max} tecken.",
        policy.COMMON: "Det här lösenordet (eller ordet i det) är så vanligt att det gissas "
        "först. Välj något som är ditt eget, gärna flera ord.",
        policy.CONTAINS_NAME: "Lösenordet innehåller ditt namn eller användarnamn. Välj "
        "något som inte går att gissa utifrån vem du är.",
        policy.MISMATCH: "De två lösenorden är inte likadana. Skriv samma lösenord i båda fälten.",
        DIRECTORY_REFUSED: "Kontoregistret godtog inte lösenordet, till exempel för att du "
        "har använt det förut. Välj ett annat.",
    },
    "en": {
        policy.TOO_SHORT: "The password is too short: it needs at least {min} characters.",
        policy.TOO_LONG: "The password is too long: at most {max} characters.",
        policy.COMMON: "This password (or the word in it) is so common that it is guessed "
        "first. Choose something of your own, several words work well.",
        policy.CONTAINS_NAME: "The password contains your name or username. Choose something "
        "that cannot be guessed from who you are.",
        policy.MISMATCH: "The two passwords are not the same. Type the same password in both "
        "fields.",
        DIRECTORY_REFUSED: "The account directory did not accept the password, for example "
        "because you have used it before. Choose another one.",
    },
}


def _form(body: bytes) -> dict[str, str]:
    """The posted fields; a body that is no form gives none (and so fails the CSRF check)."""
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    except ValueError:
        return {}
    return {name: values[0] for name, values in fields.items() if values}


def _same_origin(request: Request, settings: Settings) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # older browsers; the double-submit token still applies
    own = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
    return origin.lower() in (own, origin_of(settings.public_base_url))


def create_router(settings: Settings) -> APIRouter:
    environment = page_environment()
    router = APIRouter(include_in_schema=False)
    https = settings.public_base_url.startswith("https://")

    def page(status: int, state: str, lang: str, **context: Any) -> HTMLResponse:
        lang = lang if lang in LINKS else settings.default_locale
        texts = {
            code: text.format(min=settings.password_min_length, max=policy.MAX_LENGTH)
            for code, text in MESSAGES[lang].items()
        }
        values = {
            "lang": lang,
            "path": "",
            "other": f"?lang={'en' if lang == 'sv' else 'sv'}",
            "links": LINKS[lang],
            "org": settings.organisation_name,
            "phone": settings.service_desk_phone,
            "hours": phone_hours(settings, lang),
            "state": state,
            "messages": texts,
            "min_length": settings.password_min_length,
            "link_minutes": settings.reset_link_minutes,
            "errors": [],
            **context,
        }
        html = environment.get_template("reset.html").render(values)
        return HTMLResponse(html, status_code=status)

    def form(link: ResetLink, lang: str, errors: list[str], status: int) -> HTMLResponse:
        csrf = secrets.token_urlsafe(32)
        response = page(status, "form", lang, username=link.username, csrf=csrf, errors=errors)
        response.set_cookie(
            COOKIE,
            csrf,
            max_age=settings.reset_link_minutes * 60,
            path=COOKIE_PATH,
            secure=https,
            httponly=True,
            samesite="strict",
        )
        return response

    @router.get("/reset/{token}", response_class=HTMLResponse)
    async def show(request: Request, token: str, lang: str | None = None) -> HTMLResponse:
        spoc: Spoc = request.app.state.spoc
        if not is_token_shaped(token):
            return page(404, "invalid", lang or settings.default_locale)
        link = await spoc.resets.valid(token)
        if link is None:
            known = await spoc.resets.lookup(token)  # used or expired: its language still
            return page(410, "invalid", lang or (known.locale if known else ""))
        return form(link, lang or link.locale, [], 200)

    @router.post("/reset/{token}", response_class=HTMLResponse)
    async def change(request: Request, token: str) -> HTMLResponse:
        spoc: Spoc = request.app.state.spoc
        fields = _form(await request.body())
        lang = fields.get("lang") or settings.default_locale
        cookie = request.cookies.get(COOKIE, "")
        sent = fields.get("csrf", "")
        if not (cookie and sent and same_secret(cookie, sent)) or not _same_origin(
            request, settings
        ):
            return page(403, "forbidden", lang)
        link = await spoc.resets.valid(token) if is_token_shaped(token) else None
        if link is None:
            return page(410, "invalid", lang)
        lang = link.locale
        try:
            return await _set_password(spoc, link, fields, lang)
        except DirectoryUnavailable:
            return page(503, "unavailable", lang)
        except UnknownAccount:  # removed from the directory since the link was made
            return page(410, "invalid", lang)
        except PasswordRejected:
            await _audit(spoc, link, "reset_password_refused", rules=[DIRECTORY_REFUSED])
            return form(link, lang, [DIRECTORY_REFUSED], 400)

    async def _set_password(
        spoc: Spoc, link: ResetLink, fields: dict[str, str], lang: str
    ) -> HTMLResponse:
        person = await spoc.directory.find(link.username)
        if person is None:
            return page(410, "invalid", lang)
        password = fields.get("password", "")
        errors = policy.problems(password, person=person, min_length=settings.password_min_length)
        if password != fields.get("confirm", ""):
            errors.append(policy.MISMATCH)
        if errors:
            await _audit(spoc, link, "reset_password_refused", rules=errors)
            return form(link, lang, errors, 400)
        async with spoc.sessions() as session, session.begin():
            if not await spoc.resets.use(session, link):
                return page(410, "invalid", lang)
            # The builtin directory writes in this transaction: link used and password set
            # commit together. An LDAP failure rolls the link back, so it can be used again.
            with joined(session, conversation_id=link.conversation_id):
                await spoc.directory.set_password(person.username, password)
                if person.locked:
                    await spoc.directory.unlock(person.username)
                await _tell_the_owner(spoc, person, lang)
            events = [("password_changed", {"username": person.username})]
            if person.locked:
                events.append(("account_unlocked", {"username": person.username}))
            await repo.record_events(session, conversation_id=link.conversation_id, events=events)
        log.info("password reset: a password was changed through a reset link")
        response = page(200, "done", lang)
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response

    return router


async def _tell_the_owner(spoc: Spoc, person: Person, lang: str) -> None:
    """A note to the private address that the password changed: if it was not them, they
    know at once whom to call."""
    if not person.private_email:
        return
    s = spoc.settings
    replies = spoc.router.services.replies
    body = replies.text(
        lang,
        "password_changed_mail",
        person=person.display_name,
        username=person.username,
        phone=s.service_desk_phone,
        hours=phone_hours(s, lang),
        organisation=s.organisation_name,
    )
    subject = replies.label(lang, "password_changed_subject")
    await spoc.mailer.send(person.private_email, subject, body)


async def _audit(spoc: Spoc, link: ResetLink, kind: str, **data: Any) -> None:
    async with spoc.sessions() as session, session.begin():
        await repo.record_events(
            session,
            conversation_id=link.conversation_id,
            events=[(kind, {"username": link.username, **data})],
        )


def install(app: FastAPI, settings: Settings) -> None:
    app.include_router(create_router(settings))
