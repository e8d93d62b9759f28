"""Orders and access requests (ITIL request fulfilment) with approval, through the real app:
the web chat and Slack (real bolt and slack_sdk against the fake Slack API), e-mail through
the real mailer to a real aiosmtpd server, approve/deny links followed over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import update

from bot.approvals.links import SALT
from bot.config import Settings
from bot.mail import development_outbox
from bot.store.accounts import DirectoryEntry
from tests.support.app import app_client, texts
from tests.support.approvals import (
    LINK,
    LINK_SECRET,
    REQ,
    Desk,
    approvals_of,
    links_in,
    open_desk,
    open_link,
    ticket_story,
    with_links,
)
from tests.support.chat import ChatPerson, tickets_of
from tests.support.smtp import body_of


@pytest.fixture
async def chat(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(with_links(settings)) as http:
        yield http


# -- the web chat ----------------------------------------------------------------------------


async def test_a_pre_approved_extra_screen_goes_straight_to_the_workplace_team(
    chat: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(chat, "sv")
    await person.say("Hej, jag behöver en extra skärm till mitt skrivbord")
    assert "Vad behöver du?" in person.last_text()
    await person.press("request:opt:screen")
    await person.say("Stadshuset plan 3, rum 312")
    summary = person.last_text()
    assert "- Utrustning: En extra skärm" in summary
    assert "- Leverans till: Stadshuset plan 3, rum 312" in summary
    assert "går direkt till Arbetsplatstjänster" in summary
    await person.press("request:confirm")

    said = person.last_text()
    number = REQ.search(said)
    assert number is not None
    assert "behöver inget godkännande" in said
    assert "arbetsdag" in said  # when, in plain words
    (ticket,) = await tickets_of(chat)
    assert (ticket.kind, ticket.owner_group, ticket.state) == ("REQ", "Arbetsplatstjänster", "new")
    assert ticket.details["item_id"] == "accessories"
    state, events = await ticket_story(chat, number.group(0))
    assert state == "new"  # in the fulfilment group's queue at once
    assert events == [("opened", "bot"), ("pre_approved", "catalog")]
    assert await approvals_of(chat) == []


async def test_in_english_a_folder_request_asks_the_owner_by_email_when_no_manager_is_known(
    chat: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(chat, "en")
    await person.say("I need access to a shared folder")
    assert "Which folder is it?" in person.last_text()
    await person.say(r"G:\Ekonomi\Budget")
    await person.say("read and change")  # typed instead of pressed
    summary = person.last_text()
    assert "- Access: Read and change" in summary
    assert "Your manager needs to approve" in summary
    await person.say("yes please")

    said = person.last_text()
    number = REQ.search(said)
    assert number is not None
    # The web chat knows no e-mail of the person, so no manager: the owner is asked instead.
    assert "Servicedesken needs to approve it" in said and "by e-mail" in said
    assert "I cannot find out who your manager is, so I have asked Servicedesken" in said
    assert "cannot promise a time" in said
    state, events = await ticket_story(chat, number.group(0))
    assert state == "awaiting_approval"
    assert [kind for kind, _ in events] == ["opened", "approval_requested"]
    spoc = chat.app.state.spoc  # type: ignore[attr-defined]
    (mail,) = await development_outbox(spoc.sessions)
    assert mail.recipient == "servicedesk@exempelby.se"
    assert number.group(0) in mail.subject
    assert len(LINK.findall(mail.body)) == 2

    await person.say("my tickets")
    assert number.group(0) in person.last_text()
    assert "waiting for approval" in person.last_text()
    await person.say(f"status {number.group(0)}")
    shown = person.last_text()
    assert "waiting for the approver" in shown
    assert "closed" not in shown

    # The requester cannot approve their own request by sending the approver's action.
    (approval,) = await approvals_of(chat)
    await person.send(action=f"approval:approve:{approval.id}")
    assert "cannot find a request waiting for your answer" in person.last_text()
    assert (await approvals_of(chat))[0].state == "pending"


async def test_a_decision_is_taken_once_even_when_both_links_are_posted_at_once(
    chat: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(chat, "sv")
    await person.say("jag vill beställa ett gästkonto till wifi")
    await person.say("Ola Olsson, Konsultbolaget AB")
    await person.press("request:opt:week")
    await person.press("request:confirm")
    assert "Nätverksgruppen" in person.last_text()
    spoc = chat.app.state.spoc  # type: ignore[attr-defined]
    (mail,) = await development_outbox(spoc.sessions)
    approve, deny = links_in(mail.body)
    _, approve_csrf = await open_link(chat, approve)
    _, deny_csrf = await open_link(chat, deny)

    answers = await asyncio.gather(
        chat.post(approve, data={"csrf": approve_csrf}),
        chat.post(deny, data={"csrf": deny_csrf}),
    )
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    (approval,) = await approvals_of(chat)
    won = answers[0] if answers[0].status_code == 200 else answers[1]
    assert ("Du har godkänt" in won.text) == (approval.state == "approved")
    number = REQ.search(person.last_text())
    assert number is not None
    state, events = await ticket_story(chat, number.group(0))
    assert state == approval.state
    decided = [(kind, actor) for kind, actor in events if kind in ("approved", "denied")]
    assert decided == [(approval.state, "natverk@exempelby.se")]
    # The requester is told once, in the web chat.
    history = await chat.get(
        f"/api/chat/sessions/{person.session_id}/messages", headers=person.headers
    )
    told = [m for m in history.json()["messages"] if number.group(0) in m["text"]]
    decisions = ("Nätverksgruppen har godkänt", "Nätverksgruppen har inte godkänt")
    assert len([m for m in told if any(d in m["text"] for d in decisions)]) == 1


# -- Slack and e-mail ------------------------------------------------------------------------


@pytest.fixture
async def desk(settings: Settings) -> AsyncIterator[Desk]:
    async with open_desk(settings) as opened:
        yield opened


async def test_the_manager_approves_care_records_access_with_a_slack_button(desk: Desk) -> None:
    await desk.say(desk.karin, "hej")  # Karin has written to spoc: her direct message is known
    await desk.say(desk.anna, "kan jag få tillgång till journalsystemet?")
    assert "Vilken enhet arbetar du på?" in desk.last("D0ANNA")
    await desk.say(desk.anna, "Hemtjänst Norr")
    await desk.press(desk.anna, "request:opt:assistant_nurse")
    await desk.press(desk.anna, "request:opt:yes")
    await desk.press(desk.anna, "request:confirm")

    said = desk.last("D0ANNA", 2)  # the ticket, then how the conversation went
    number = REQ.search(said)
    assert number is not None
    assert "din chef, Karin Karlsson," in said and "i Slack" in said
    question = desk.last("D0KARIN")
    assert "Anna Andersson har beställt Behörighet till journalsystemet" in question
    assert "- Enhet: Hemtjänst Norr" in question and "- Roll: Undersköterska" in question
    (approval,) = await approvals_of(desk.http)
    assert (approval.rule, approval.via) == ("manager", "chat")
    assert f"approval:approve:{approval.id}" in desk.karin.offered()

    await desk.press(desk.karin, f"approval:approve:{approval.id}")
    assert "du godkänner beställningen" in desk.last("D0KARIN")
    told = desk.last("D0ANNA")  # told where she wrote, without writing again
    assert "Goda nyheter" in told and number.group(0) in told
    assert "Vårdsystemförvaltning" in told
    state, events = await ticket_story(desk.http, number.group(0))
    assert state == "approved"
    assert events == [
        ("opened", "bot"),
        ("approval_requested", "bot"),
        ("approved", "karin.karlsson@exempelby.se"),
    ]
    assert desk.inbox.messages == []  # asked in chat, not by e-mail


async def test_a_mailbox_request_denied_through_the_emailed_link(desk: Desk) -> None:
    await desk.say(desk.anna, "Jag behöver behörighet till funktionsbrevlådan för bygglov")
    await desk.say(desk.anna, "bygglov@exempelby.se")
    await desk.press(desk.anna, "request:opt:send")
    await desk.press(desk.anna, "request:confirm")
    said = desk.last("D0ANNA", 2)
    number = REQ.search(said)
    assert number is not None
    assert "din chef, Karin Karlsson," in said and "per e-post" in said

    mail = await desk.inbox.message_to("karin.karlsson@exempelby.se")
    assert len(desk.inbox.messages) == 1
    assert mail["To"] == "karin.karlsson@exempelby.se"
    assert "Anna Andersson" in mail["Subject"] and number.group(0) in mail["Subject"]
    body = body_of(mail)
    assert "- Brevlåda: bygglov@exempelby.se" in body
    approve, deny = links_in(body)

    page, csrf = await open_link(desk.http, deny)
    assert "Neka beställningen?" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "samesite=strict" in page.headers["set-cookie"].lower()

    # Without the page's token (a forged form elsewhere), nothing is decided.
    forged_form = await desk.http.post(deny, data={"csrf": "0" * 64})
    assert forged_form.status_code == 403 and "kunde inte registreras" in forged_form.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk.app), base_url="http://spoc.test"
    ) as stranger:
        no_cookie = await stranger.post(deny, data={"csrf": csrf})
    assert no_cookie.status_code == 403
    assert (await approvals_of(desk.http))[0].state == "pending"

    decided = await desk.http.post(deny, data={"csrf": csrf})
    assert decided.status_code == 200 and "Du har nekat beställningen" in decided.text
    await desk.settled()
    told = desk.last("D0ANNA")
    assert "inte godkänt" in told and number.group(0) in told and "Karin Karlsson" in told

    # Used links, both of them, say that the request has been decided.
    again = await desk.http.get(deny)
    assert again.status_code == 409 and "redan nekad" in again.text
    other = await desk.http.get(approve)
    assert other.status_code == 409
    state, events = await ticket_story(desk.http, number.group(0))
    assert state == "denied"
    assert events[-1] == ("denied", "karin.karlsson@exempelby.se")
    assert len([m for m in desk.fake.posted("D0ANNA") if "inte godkänt" in str(m["text"])]) == 1


async def test_forged_edited_and_expired_links_get_a_clear_page(chat: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(chat, "sv")
    await person.say("jag vill bli med i sändlistan för kultur")
    await person.say("kultur-alla@exempelby.se")
    await person.press("request:opt:join")
    await person.press("request:confirm")
    spoc = chat.app.state.spoc  # type: ignore[attr-defined]
    (mail,) = await development_outbox(spoc.sessions)
    approve, _ = links_in(mail.body)

    edited = approve[:-3] + ("aaa" if not approve.endswith("aaa") else "bbb")
    for path in (edited, "/approvals/not-a-link", "/approvals/" + "x" * 2000):
        page = await chat.get(path)
        assert page.status_code == 404 and "Länken fungerar inte" in page.text, path
        assert (await chat.post(path, data={"csrf": "x"})).status_code in (403, 404)

    # A form token that is not ours, in any characters, is refused, never a server error
    # (the page was opened first, so the form's cookie is there to compare against).
    assert (await chat.get(approve)).status_code == 200
    for csrf in ("x", "ö" * 40, "\x00"):
        assert (await chat.post(approve, data={"csrf": csrf})).status_code == 403, csrf

    (approval,) = await approvals_of(chat)
    signed_by_someone_else = URLSafeTimedSerializer("another secret", salt=SALT).dumps(
        {"a": approval.id, "n": approval.nonce, "d": "approve", "l": "sv"}
    )
    assert (await chat.get(f"/approvals/{signed_by_someone_else}")).status_code == 404

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            # Older than SPOC_APPROVAL_LINK_HOURS (72) and than the approval's expiry (120),
            # which a link lives until.
            return int(time.time()) - 121 * 3600

    old = URLSafeTimedSerializer(LINK_SECRET, salt=SALT, signer=Earlier).dumps(
        {"a": approval.id, "n": approval.nonce, "d": "approve", "l": "en"}
    )
    expired = await chat.get(f"/approvals/{old}")
    assert expired.status_code == 410 and "The link has expired" in expired.text
    assert (await chat.post(f"/approvals/{old}", data={"csrf": "x"})).status_code == 410
    assert (await approvals_of(chat))[0].state == "pending"
    assert texts(person.transcript)  # the requester heard nothing of all this
    assert "godkänt" not in person.last_text()


async def test_when_unsure_spoc_offers_the_items_and_a_way_to_a_person(
    chat: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(chat, "sv")
    await person.say("jag vill beställa behörighet till en gemensam mapp och en funktionsbrevlåda")
    assert "Vilken av de här menar du?" in person.last_text()
    assert person.offered() == [
        "request:item:shared_mailbox",
        "request:item:file_share",
        "request:other",
    ] or person.offered() == [
        "request:item:file_share",
        "request:item:shared_mailbox",
        "request:other",
    ]
    await person.press("request:other")
    assert "request:other" not in person.offered()
    assert "Jag kopplar dig till en person" in person.last_text()  # the queue, honestly
    assert await tickets_of(chat) == []  # the desk is open: a person answers, no ticket


async def test_saying_what_you_need_by_its_name_starts_the_request(
    chat: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(chat, "sv")
    await person.say("jag behöver adobe acrobat pro")
    assert "Vad behöver du Acrobat Pro till?" in person.last_text()
    for locale, wish, option in [
        ("en", "I need a second screen please", "screen"),
        ("en", "I need a new charger for my laptop", "charger"),
        ("sv", "jag behöver en webbkamera", "webcam"),
    ]:
        wishing = await ChatPerson.start(chat, locale)
        await wishing.say(wish)
        assert f"request:opt:{option}" in wishing.offered(), wish
    # Help with a thing one has, or a thing that is broken, is no order.
    helped = await ChatPerson.start(chat, "sv")
    await helped.say("jag behöver hjälp med headsetet, ingen hör mig")
    assert not any(action.startswith("request:") for action in helped.offered())
    assert "Vad behöver du" not in helped.last_text()


async def test_a_wish_the_catalogue_does_not_name_is_told_so_with_what_can_be_ordered(
    chat: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(chat, "sv")
    await person.say("jag behöver visio")
    assert "Jag hittar inte det i listan" in person.last_text()  # not "I did not understand"
    offered = person.offered()
    assert "request:item:acrobat_pro" in offered
    assert offered[-1] == "request:other"  # and a way to a person for anything else
    await person.press("request:other")
    assert "Jag kopplar dig till en person" in person.last_text()
    english = await ChatPerson.start(chat, "en")
    await english.say("i need visio")
    assert english.offered()[-1] == "request:other"
    # Access to a system the catalogue names as a service but has no item for.
    access = await ChatPerson.start(chat, "sv")
    await access.say("jag behöver tillgång till ekonomisystemet")
    assert "Jag hittar inte det i listan" in access.last_text()
    assert access.offered()[-1] == "request:other"
    # A wish that names nothing gets the list without being told it is missing.
    vague = await ChatPerson.start(chat, "sv")
    await vague.say("jag vill beställa något")
    assert "Jag hittar inte det i listan" not in vague.last_text()
    assert vague.offered()[-1] == "request:other"
    # Wanting to know something is no order.
    asking = await ChatPerson.start(chat, "sv")
    await asking.say("jag behöver veta när biblioteket öppnar")
    assert "request:other" not in asking.offered()
    assert "växeln" in asking.last_text()


async def test_an_optional_question_can_be_skipped_and_the_request_cancelled(
    chat: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(chat, "sv")
    await person.press("menu:request")
    assert "request:item:acrobat_pro" in person.offered()
    await person.say("acrobat")
    assert "Vad behöver du Acrobat Pro till?" in person.last_text()
    await person.say("")  # nothing is not an answer
    await person.say("Jag redigerar bygglovsritningar i PDF varje dag")
    await person.press("request:skip")
    summary = str(person.transcript[-1]["text"])
    assert "- Behov: Jag redigerar bygglovsritningar i PDF varje dag" in summary
    assert "- Dator" not in summary
    assert "Din chef behöver godkänna" in summary
    await person.press("request:cancel")
    assert "jag skickar ingen beställning" in person.last_text()
    assert await tickets_of(chat) == []


async def test_nobody_approves_their_own_request(desk: Desk) -> None:
    spoc = desk.app.state.spoc
    async with spoc.sessions() as session, session.begin():
        # A directory mistake: Anna is named her own manager.
        await session.execute(
            update(DirectoryEntry)
            .where(DirectoryEntry.username == "anna.andersson")
            .values(manager="anna.andersson")
        )
    await desk.say(desk.anna, "hej")  # Anna's direct message is known, as an approver's would be
    await desk.say(desk.anna, "jag vill beställa adobe acrobat pro")
    await desk.say(desk.anna, "Jag granskar bygglovsritningar i PDF")
    await desk.press(desk.anna, "request:skip")
    await desk.press(desk.anna, "request:confirm")
    said = desk.last("D0ANNA", 2)
    assert "så jag har frågat Licensansvarig på IT i stället" in said
    mail = await desk.inbox.message_to("licenser@exempelby.se")
    assert "Adobe Acrobat Pro" in mail["Subject"]
    assert not any("approval:" in action for action in desk.anna.offered())
