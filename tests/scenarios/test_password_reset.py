"""Self-service password reset and unlock, end to end: the web chat API, a real slapd, a
real SMTP server the codes are read from, and the reset page driven like a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, update

from bot.config import Settings
from bot.store.accounts import MailItem, ResetLink
from bot.store.models import Conversation, Event, utcnow
from tests.support.accounts import (
    choose_password,
    heading,
    link_in,
    open_form,
    with_ldap,
    with_mail,
)
from tests.support.app import app_client
from tests.support.chat import ChatPerson
from tests.support.slapd import BERIT_PASSWORD, Slapd
from tests.support.smtp import MailCatcher, body_of

ANNA_PRIVATE = "anna.privat@example.com"
NEW_PASSWORD = "Tre blåbär i en kaffekopp"


@pytest.fixture
async def ldap_client(
    settings: Settings, slapd: Slapd, smtp: MailCatcher
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(with_mail(with_ldap(settings, slapd), smtp)) as http:
        yield http


async def codes_queued(http: httpx.AsyncClient) -> int:
    async with http.app.state.spoc.sessions() as session:  # type: ignore[attr-defined]
        return int(await session.scalar(select(func.count()).select_from(MailItem)) or 0)


async def event_data(http: httpx.AsyncClient) -> list[tuple[str, dict[str, object]]]:
    async with http.app.state.spoc.sessions() as session:  # type: ignore[attr-defined]
        rows = (await session.execute(select(Event).order_by(Event.id))).scalars()
        return [(event.kind, dict(event.data or {})) for event in rows]


async def code_requested(
    http: httpx.AsyncClient,
    smtp: MailCatcher,
    asking: str = "jag har glömt mitt lösenord",
    *,
    account: str = "anna.andersson",
    count: int = 1,
) -> tuple[ChatPerson, str]:
    """A new web chat that asked for a reset of ``account``, and the code mailed to Anna's
    private address (the ``count``-th one sent there)."""
    person = await ChatPerson.start(http)
    await person.say(asking)
    await person.say(account)
    return person, await smtp.code_for(ANNA_PRIVATE, count=count)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def verified_link(
    http: httpx.AsyncClient, smtp: MailCatcher, account: str, *, count: int = 1
) -> str:
    person, code = await code_requested(http, smtp, account=account, count=count)
    replies = await person.say(code)
    return link_in(replies[0]["text"])


async def test_reset_in_the_web_chat_ends_with_a_new_password_that_binds_to_ldap(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher, slapd: Slapd
) -> None:
    person = await ChatPerson.start(ldap_client)
    replies = await person.say("Hej, jag har glömt mitt lösenord")
    assert "användarnamn eller din jobbmejl" in replies[0]["text"]
    assert "frågar aldrig efter ditt lösenord" in replies[0]["text"]

    replies = await person.say("anna.andersson@exempelby.se")
    assert "Om kontot finns" in replies[0]["text"]
    mail = await smtp.message_to(ANNA_PRIVATE)
    assert mail["Subject"] == "Din engångskod från servicedesken"
    assert "Hej Anna Andersson!" in body_of(mail)
    code = await smtp.code_for(ANNA_PRIVATE)
    assert smtp.to("anna.andersson@exempelby.se") == []  # never to the account itself

    replies = await person.say(f"koden är {code}")
    assert "koden stämmer" in replies[0]["text"]
    link = link_in(replies[0]["text"])
    assert "15 minuter" in replies[0]["text"]

    done = await choose_password(ldap_client, link, NEW_PASSWORD)
    assert done.status_code == 200
    assert heading(done) == "Klart – lösenordet är bytt"
    assert slapd.can_bind("anna.andersson", NEW_PASSWORD)
    assert not slapd.can_bind("anna.andersson", "Annas-gamla-losen-1")
    # The private address hears of the change, so a stranger's reset cannot go unnoticed.
    notice = await smtp.message_to(ANNA_PRIVATE, count=2)
    assert notice["Subject"] == "Ditt lösenord har bytts"
    assert "Var det inte du?" in body_of(notice)
    assert NEW_PASSWORD not in body_of(notice)

    # Audited step by step, and no event holds the code, the token or the password.
    events = await event_data(ldap_client)
    kinds = [kind for kind, _ in events]
    for kind in ("reset_started", "reset_code_sent", "reset_verified", "reset_link_issued"):
        assert kind in kinds
    assert ("password_changed", {"username": "anna.andersson"}) in events
    logged = repr(events)
    for secret in (code, NEW_PASSWORD, link.rsplit("/", 1)[1]):
        assert secret not in logged
    # The delivered mail's body is not kept: the code is gone from the database too.
    async with ldap_client.app.state.spoc.sessions() as session:  # type: ignore[attr-defined]
        bodies = (await session.execute(select(MailItem.body))).scalars().all()
    assert all(code not in body for body in bodies)


async def test_an_unknown_account_gets_word_for_word_the_same_answer(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher
) -> None:
    known, unknown = await ChatPerson.start(ldap_client), await ChatPerson.start(ldap_client)
    for person in (known, unknown):
        await person.say("jag har glömt mitt lösenord")
    said_known = await known.say("anna.andersson")
    said_unknown = await unknown.say("nobody.here@exempelby.se")
    assert [r["text"] for r in said_known] == [r["text"] for r in said_unknown]
    assert [r["buttons"] for r in said_known] == [r["buttons"] for r in said_unknown]
    await smtp.message_to(ANNA_PRIVATE)
    assert len(smtp.messages) == 1
    # Any code is wrong for an account that does not exist, with the same words.
    wrong_known = await known.say("000000")
    wrong_unknown = await unknown.say("000000")
    assert [r["text"] for r in wrong_known] == [r["text"] for r in wrong_unknown]
    # What was typed for the unknown account is not kept in the events.
    assert "nobody.here" not in repr(await event_data(ldap_client))


async def test_three_wrong_codes_lock_the_reset(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher, slapd: Slapd
) -> None:
    person, code = await code_requested(ldap_client, smtp, "glömt lösen")
    wrong = wrong_code(code)
    first = await person.say(wrong)
    assert "2 försök kvar" in first[0]["text"]
    second = await person.say(wrong)
    assert "1 försök kvar" in second[0]["text"]
    third = await person.say(wrong)
    assert "tre gånger" in third[0]["text"]
    assert "0123-45 67 00" in third[0]["text"]
    # The right code no longer helps, and this conversation cannot start again.
    late = await person.say(code)
    assert "koden stämmer" not in late[0]["text"].lower()
    again = await person.say("jag har glömt mitt lösenord")
    assert "tre gånger" in again[0]["text"]
    # A new conversation gets the usual answer, but no code goes to the account for now.
    other = await ChatPerson.start(ldap_client)
    await other.say("jag har glömt mitt lösenord")
    answer = await other.say("anna.andersson")
    assert "Om kontot finns" in answer[0]["text"]
    assert await codes_queued(ldap_client) == 1
    assert slapd.can_bind("anna.andersson", "Annas-gamla-losen-1")
    events = await event_data(ldap_client)
    kinds = [kind for kind, _ in events]
    assert kinds.count("reset_code_wrong") == 3
    assert "reset_locked" in kinds
    assert (
        "reset_code_not_sent",
        {"purpose": "reset", "username": "anna.andersson", "reason": "too_many_wrong_codes"},
    ) in events


async def test_starting_over_gives_no_new_tries(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher
) -> None:
    person, code = await code_requested(ldap_client, smtp)
    wrong = wrong_code(code)
    await person.say(wrong)
    await person.say(wrong)
    await person.say("avbryt")
    await person.say("jag har glömt mitt lösenord")
    await person.say("anna.andersson")
    fresh = await smtp.code_for(ANNA_PRIVATE, count=2)
    locked = await person.say(wrong_code(fresh))
    assert "tre gånger" in locked[0]["text"]
    # Three wrong codes for the account: no more codes to it, whoever asks.
    other = await ChatPerson.start(ldap_client)
    await other.say("forgot my password")
    await other.say("anna.andersson")
    assert await codes_queued(ldap_client) == 2


async def test_an_expired_code_is_refused_and_a_new_one_offered(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher
) -> None:
    person, code = await code_requested(ldap_client, smtp, "forgot my password")
    await age_code(ldap_client, minutes=11)
    replies = await person.say(code)
    assert "expired" in replies[0]["text"]
    assert "password_reset:new_code" in person.offered()
    await person.press("password_reset:new_code")
    assert "username or your work e-mail" in person.last_text()
    await person.say("anna.andersson")
    fresh = await smtp.code_for(ANNA_PRIVATE, count=2)
    replies = await person.say(fresh)
    assert "/reset/" in replies[0]["text"]


async def test_used_expired_and_unknown_links_get_a_clear_page(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher
) -> None:
    link = await verified_link(ldap_client, smtp, "anna.andersson")
    assert (await choose_password(ldap_client, link, NEW_PASSWORD)).status_code == 200
    used = await ldap_client.get(link)
    assert used.status_code == 410
    assert heading(used) == "Länken fungerar inte längre"
    assert "glömt lösenord" in used.text

    expired = await verified_link(ldap_client, smtp, "anna.andersson", count=2)
    csrf = await open_form(ldap_client, expired)
    async with ldap_client.app.state.spoc.sessions() as session, session.begin():  # type: ignore[attr-defined]
        await session.execute(update(ResetLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    page = await ldap_client.get(expired)
    assert page.status_code == 410
    posted = await ldap_client.post(
        expired,
        data={"csrf": csrf, "password": "Ett annat bra lösen", "confirm": "Ett annat bra lösen"},
    )
    assert posted.status_code == 410
    assert "Inget har ändrats" in posted.text

    for path in ("/reset/not-a-real-token-but-long-enough", "/reset/x", "/reset/%00%ff"):
        response = await ldap_client.get(path)
        assert response.status_code in (404, 410), path
        assert "Länken fungerar inte längre" in response.text
    garbage = await ldap_client.post(
        expired, content=b"&".join([b"a=1"] * 50), headers={"Content-Type": "text/plain"}
    )
    assert garbage.status_code == 403


async def test_a_post_without_the_form_token_changes_nothing(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher, slapd: Slapd
) -> None:
    link = await verified_link(ldap_client, smtp, "anna.andersson")
    fields = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    # A forged cross-site post: no cookie, no token.
    async with httpx.AsyncClient(
        transport=ldap_client._transport, base_url="http://spoc.test"
    ) as stranger:
        forged = await stranger.post(link, data=fields)
    assert forged.status_code == 403
    assert "Lösenordet är inte bytt" in forged.text
    csrf = await open_form(ldap_client, link)
    wrong_token = await ldap_client.post(link, data={**fields, "csrf": csrf[::-1]})
    not_even_ascii = await ldap_client.post(link, data={**fields, "csrf": "ö" * len(csrf)})
    assert not_even_ascii.status_code == 403
    other_site = await ldap_client.post(
        link, data={**fields, "csrf": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert (wrong_token.status_code, other_site.status_code) == (403, 403)
    assert slapd.can_bind("anna.andersson", "Annas-gamla-losen-1")
    # The link still works for the real person.
    assert (await choose_password(ldap_client, link, NEW_PASSWORD)).status_code == 200


async def test_a_password_breaking_the_policy_is_explained_and_the_link_stays_valid(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher, slapd: Slapd
) -> None:
    link = await verified_link(ldap_client, smtp, "anna.andersson")
    cases = {
        "Zq9xWv": "för kort: det behöver vara minst 12 tecken",
        "Sommar2026!!!!": "så vanligt att det gissas",
        "anna.andersson-rules": "innehåller ditt namn eller användarnamn",
        "Andersson och katten": "innehåller ditt namn eller användarnamn",
    }
    for password, explained in cases.items():
        page = await choose_password(ldap_client, link, password)
        assert page.status_code == 400, password
        assert explained in page.text, password
        assert 'role="alert"' in page.text
        assert password not in page.text  # never echoed back
    mismatch = await choose_password(ldap_client, link, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert "inte likadana" in mismatch.text
    assert slapd.can_bind("anna.andersson", "Annas-gamla-losen-1")
    assert (await choose_password(ldap_client, link, NEW_PASSWORD)).status_code == 200
    assert slapd.can_bind("anna.andersson", NEW_PASSWORD)


async def test_a_directory_down_when_the_form_is_sent_changes_nothing_and_says_so(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher, slapd: Slapd
) -> None:
    link = await verified_link(ldap_client, smtp, "anna.andersson")
    csrf = await open_form(ldap_client, link)
    slapd.process.terminate()
    slapd.process.wait(10)
    page = await ldap_client.post(
        link, data={"csrf": csrf, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert page.status_code == 503
    assert "Ditt lösenord är inte bytt" in page.text
    assert (await ldap_client.get(link)).status_code == 200  # the link can be used again


async def test_unlock_clears_the_lockout_in_the_directory(
    ldap_client: httpx.AsyncClient, smtp: MailCatcher, slapd: Slapd
) -> None:
    assert slapd.attribute("berit.berg", "pwdAccountLockedTime")
    assert not slapd.can_bind("berit.berg", BERIT_PASSWORD)
    person = await ChatPerson.start(ldap_client)
    replies = await person.say("kontot är låst")
    assert "låsa upp ditt konto" in replies[0]["text"]
    await person.say("berit.berg")
    code = await smtp.code_for("berit.privat@example.com")
    replies = await person.say(code)
    assert "upplåst" in replies[0]["text"]
    assert slapd.attribute("berit.berg", "pwdAccountLockedTime") == []
    assert slapd.can_bind("berit.berg", BERIT_PASSWORD)
    kinds = [kind for kind, _ in await event_data(ldap_client)]
    assert "account_unlocked" in kinds


async def test_a_directory_that_cannot_be_reached_gets_an_honest_answer(
    settings: Settings, slapd: Slapd, smtp: MailCatcher
) -> None:
    broken = with_ldap(settings, slapd).model_copy(
        update={"ldap_bind_password": SecretStr("wrong-service-password")}
    )
    async with app_client(with_mail(broken, smtp)) as http:
        person = await ChatPerson.start(http)
        await person.say("jag har glömt mitt lösenord")
        replies = await person.say("anna.andersson")
    assert "når inte kontoregistret" in replies[0]["text"]
    assert smtp.messages == []


async def age_code(http: httpx.AsyncClient, *, minutes: int) -> None:
    """Move the pending code's expiry ``minutes`` into the past, as time passing would."""
    async with http.app.state.spoc.sessions() as session, session.begin():  # type: ignore[attr-defined]
        for conversation in (await session.execute(select(Conversation))).scalars():
            data = dict(conversation.data or {})
            case = data.get("password_reset")
            if isinstance(case, dict) and "expires_at" in case:
                from datetime import datetime

                expired = datetime.fromisoformat(case["expires_at"]) - timedelta(minutes=minutes)
                conversation.data = {
                    **data,
                    "password_reset": {**case, "expires_at": expired.isoformat()},
                }
