"""The bot never speaks while an agent has the conversation (or it waits for one), however
person messages, claims and hand-backs interleave: in one process, and on PostgreSQL with
two engines (as two worker processes would have) sharing one database."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.web.hub import QUEUE
from tests.support.agents import AgentUser, agent_user
from tests.support.app import app_client
from tests.support.chat import ChatPerson

WORDS = ["hallå?", "outlook kraschar", "blärg", "hej", "skrivaren skriver inte ut", "tack"]


def check_silence(transcript: list[dict[str, Any]]) -> dict[str, int]:
    """Walk the transcript in order (one conversation's writes are serialised by its row
    lock, so ids follow commit order) and fail on a bot message while a person has it."""
    owner, seen = "bot", {"bot_while_bot": 0, "claims": 0, "handbacks": 0}
    for message in transcript:
        author, text = message["author"], str(message["text"])
        if author == "system" and "har tagit över chatten" in text:
            assert owner == "waiting", f"claimed while {owner}: {text}"
            owner, seen["claims"] = "agent", seen["claims"] + 1
        elif author == "system" and "Handläggaren har lämnat chatten" in text:
            assert owner == "agent"
            owner, seen["handbacks"] = "bot", seen["handbacks"] + 1
        elif author == "bot":
            assert owner == "bot", f"the bot spoke while {owner} had the conversation: {text}"
            seen["bot_while_bot"] += 1
            if "i kön" in text:
                owner = "waiting"
        elif author == "agent":
            assert owner == "agent", f"an agent message while {owner}"
    return seen


async def rounds(person: ChatPerson, kim: AgentUser, seed: int, count: int = 6) -> None:
    shuffle = random.Random(seed)
    conversation_id = 0
    for turn in range(count):
        await person.say("jag vill prata med en människa")
        if not conversation_id:
            conversation_id = (await kim.queue())[0]["conversation_id"]
        # Started in this shuffled order, then interleaved wherever they await.
        steps: list[Coroutine[Any, Any, Any]] = [
            kim.claim(conversation_id),
            kim.say(conversation_id, f"Agenten här ({turn})"),
            kim.post(f"/conversations/{conversation_id}/handback"),
            *[person.say(words) for words in shuffle.sample(WORDS, 4)],
        ]
        shuffle.shuffle(steps)
        await asyncio.gather(*steps)
        # Settle: whatever state the race left, end it back with the bot.
        await kim.claim(conversation_id)
        await kim.post(f"/conversations/{conversation_id}/handback")


async def transcript_of(person: ChatPerson) -> list[dict[str, Any]]:
    response = await person.http.get(
        f"/api/chat/sessions/{person.session_id}/messages", headers=person.headers
    )
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_the_bot_is_silent_while_an_agent_has_the_conversation(
    client: httpx.AsyncClient, seed: int
) -> None:
    person = await ChatPerson.start(client)
    async with agent_user(client, "kim", name="Kim") as kim:
        await rounds(person, kim, seed)
    seen = check_silence(await transcript_of(person))
    # The test can only fail if the race happened: claims, hand-backs and bot answers.
    assert seen["claims"] >= 6 and seen["handbacks"] >= 6 and seen["bot_while_bot"] > 6


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_workers_on_postgresql_keep_the_bot_silent_and_wake_each_other(
    settings: Settings,
) -> None:
    async with app_client(settings) as first, app_client(settings) as second:
        # Live updates cross workers: the second's queue stream wakes on the first's commit.
        listener = second.app.state.live.listener  # type: ignore[attr-defined]
        await asyncio.wait_for(listener.listening.wait(), 10)
        hub = second.app.state.hub  # type: ignore[attr-defined]
        person = await ChatPerson.start(first)
        with hub.subscribe(QUEUE) as woken:
            await person.say("jag vill prata med en människa")
            await asyncio.wait_for(woken.wait(), 5)
        # Person on one worker, agent on the other, many interleavings.
        async with agent_user(second, "kim", name="Kim") as kim:
            (item,) = await kim.queue()
            with hub.subscribe(item["conversation_id"]) as conversation_woken:
                await person.say("hallå?")
                await asyncio.wait_for(conversation_woken.wait(), 5)
            await kim.claim(item["conversation_id"])
            await kim.post(f"/conversations/{item['conversation_id']}/handback")
            for seed in (7, 8):
                await rounds(person, kim, seed, count=4)
        seen = check_silence(await transcript_of(person))
        assert seen["claims"] >= 9 and seen["bot_while_bot"] > 9
