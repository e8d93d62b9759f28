"""The managers' pages of the console: the service report and the knowledge base's gaps,
from conversations held through the real web chat API, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import select

from bot.store.models import Event
from tests.support.agents import agent_user
from tests.support.chat import ChatPerson

PAYROLL = "Lönesystemet kraschar när jag attesterar"
HOSTILE = '=HYPERLINK("https://evil.example") <script>alert(1)</script> lönesystemet kraschar'
PERSONAL = "Lönesystemet visar fel lön för 121212-1212"
NO_DATA = "—"
COMMENT = "<b>för långsamt</b>, ring mig på 19121212-1212"


class Tables(HTMLParser):
    """Every table of a page as {caption: [[cell text, …] per row]}, header rows included;
    also whether each header cell had a scope."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.unscoped: list[str] = []
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_caption = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("th", "td"):
            self._cell = []
            if tag == "th" and "scope" not in dict(attrs):
                self.unscoped.append(str(self._caption))

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self.tables[str(self._caption)] = self._rows

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self._caption = (self._caption or "") + data
        elif self._cell is not None:
            self._cell.append(data)

    def values(self, caption: str) -> dict[str, str]:
        """A figures table as {what: value}."""
        return {row[0]: row[1] for row in self.tables[caption][1:]}


async def seed(client: httpx.AsyncClient) -> None:
    """Eight conversations: solved by an article, a ticket after an article that did not
    help, the same question with no article twice, a hostile one, one with a personal
    identity number, one asking for a person, and a citizen asking how a case goes."""
    solved = await ChatPerson.start(client)
    await solved.say("outlook kraschar hela tiden när jag öppnar kalendern")
    await solved.press("incident:helped:yes")
    await solved.press("feedback:rate:5")

    ticket = await ChatPerson.start(client)
    # Not "fungerar inte": that phrasing is turned down since the example memory (its
    # nearest off-topic example is the coffee machine on plan 3; docs/benchmarks.md).
    await ticket.say("skrivaren på plan 3 skriver inte ut, bara jag, det kan vänta")
    await ticket.press("incident:helped:no")
    await ticket.say("sedan igår")
    replies = await ticket.press("incident:confirm")
    assert "INC" in replies[0]["text"]
    await ticket.press("feedback:rate:2")
    await ticket.say(COMMENT)

    for text in (PAYROLL, PAYROLL, HOSTILE, PERSONAL):
        person = await ChatPerson.start(client)
        await person.say(text)
        assert not any(a.startswith("incident:helped") for a in person.offered()), text

    human = await ChatPerson.start(client)
    await human.say("jag vill prata med en människa")

    citizen = await ChatPerson.start(client)
    await citizen.say("hur lång är handläggningstiden för bygglov?")


async def printer_article(client: httpx.AsyncClient) -> tuple[str, str]:
    """(id, title) of the article the printer conversation was offered, as the bot recorded."""
    spoc = client.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session:
        data = await session.scalar(select(Event.data).where(Event.kind == "article_not_helped"))
    article = spoc.knowledge.get(data["article_id"])
    return article.id, article.title


async def test_the_report_shows_the_figures_of_the_conversations(
    client: httpx.AsyncClient,
) -> None:
    await seed(client)
    async with agent_user(client, "kim") as kim:
        (waiting,) = await kim.queue()
        assert (await kim.claim(waiting["conversation_id"])).status_code == 200
        for days in ("7", "30", "90"):
            page = await kim.http.get("/agent/report", params={"days": days})
            assert page.status_code == 200, page.text
            assert f"De senaste {days} dagarna, från och med" in page.text
            assert f'<option value="{days}" selected>' in page.text
        default = await kim.http.get("/agent/report")
        assert '<option value="30" selected>' in default.text

    tables = Tables(page.text)
    assert not tables.unscoped
    assert tables.tables["Konversationer per kanal"] == [["Kanal", "Antal"], ["Webbchatt", "8"]]
    assert "8 konversationer startade under perioden." in page.text
    assert "1 konversation gällde hur det går med en ansökan eller ett ärende" in page.text
    # "Lönesystemet kraschar" is the payroll system, IT's: nothing here was for someone else.
    assert "0 konversationer gällde något som inte är IT" in page.text
    shift_left = tables.values("Artiklar som boten föreslog och som löste problemet")
    assert shift_left == {
        "Artikel föreslagen": "2",
        "Löst i första kontakten": "1",
        "Andel lösta av en artikel": "50 %",  # 1 solved / (1 solved + 1 ticket)
        "Kanske-förslag": "0",
        "Visade på ja": "0",
        "Hjälpte efter kanske": "0",
    }
    tickets = tables.values("Ärenden som boten öppnade")
    assert tickets["Öppnade ärenden"] == "1"
    assert (tickets["Varav incidenter"], tickets["Varav beställningar"]) == ("1", "0")
    assert tickets["Tid till ärende, median"].endswith(" s")  # seconds in a test
    assert tables.values("Öppnade ärenden per prioritet (P1 är mest brådskande)") == {"P5": "1"}
    handed = tables.values("Konversationer som lämnades över till en person")
    assert (handed["Eskaleringar"], handed["Tagna av en handläggare"]) == ("1", "1")
    assert handed["Tid till handläggare, median"].endswith(" s")
    assert tables.values("Eskaleringar per skäl") == {"Bad om en person": "1"}
    assert tables.values("Betyg som personerna gav efter konversationen (1–5)") == {
        "Svar": "2",
        "Medelbetyg": "3,50 av 5",  # (5 + 2) / 2
        "Nöjda": "50 %",  # one of the two gave 4–5
    }
    assert tables.values("Svar per betyg") == {"1": "0", "2": "1", "3": "0", "4": "0", "5": "1"}
    # What the person wrote, masked as stored and shown as text, never markup.
    assert tables.tables["Den enda kommentaren"][1][:2] == [
        "<b>för långsamt</b>, ring mig på ******-****",
        "2",
    ]
    assert "<b>för" not in page.text and "19121212-1212" not in page.text
    approvals = tables.values("Beställningar som behövde någons godkännande")
    assert approvals["Begärda"] == "0"
    assert approvals["Tid till beslut, median"] == f"{NO_DATA} inga uppgifter ännu"
    assert not re.search(r"\b(None|nan|NaN|inf)\b", page.text)


async def test_the_knowledge_page_lists_failing_articles_and_unanswered_questions(
    client: httpx.AsyncClient,
) -> None:
    await seed(client)
    article_id, title = await printer_article(client)
    async with agent_user(client, "kim") as kim:
        page = await kim.http.get("/agent/knowledge")
    assert page.status_code == 200
    tables = Tables(page.text)
    assert not tables.unscoped
    failing = tables.tables[
        "Artiklar som personer svarade att de inte hjälpte, den med störst andel först"
    ]
    assert failing == [
        ["Artikel", "Id", "Föreslagen", "Hjälpte", "Hjälpte inte", "Andel som inte hjälpte"],
        [title, article_id, "1", "0", "1", "100 %"],
    ]
    questions = tables.values("Frågor utan artikel, den vanligaste först")
    assert list(questions.items()) == [
        (PAYROLL, "2"),
        (HOSTILE, "1"),
        # The identity number was masked, and left out of the question, before it was stored.
        ("Lönesystemet visar fel lön för", "1"),
    ]
    # The question the Outlook guide answered, for its examples (spoc kb examples --add).
    assert tables.tables["Frågor som en guide besvarade, den vanligaste först"] == [
        ["Fråga", "Guide", "Antal"],
        [
            "outlook kraschar hela tiden när jag öppnar kalendern",
            "Outlook kraschar eller startar inte",
            "1",
        ],
    ]
    # What people typed is text on the page, never markup.
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "121212-1212" not in page.text
    assert 'href="/agent/knowledge.csv?days=30"' in page.text
    assert '<option value="30" selected>' in page.text


async def backdate(client: httpx.AsyncClient, query: str, days: int) -> None:
    """Move the stored "no article" events of ``query`` ``days`` into the past."""
    spoc = client.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session, session.begin():
        events = (await session.scalars(select(Event).where(Event.kind == "kb_no_match"))).all()
        moved = [event for event in events if event.data.get("query") == query]
        assert moved
        for event in moved:
            event.created_at = event.created_at - timedelta(days=days)


async def test_the_knowledge_page_counts_the_chosen_period_or_everything_stored(
    client: httpx.AsyncClient,
) -> None:
    await seed(client)
    await backdate(client, PAYROLL, 40)
    caption = "Frågor utan artikel, den vanligaste först"
    async with agent_user(client, "kim") as kim:
        recent = await kim.http.get("/agent/knowledge")
        week = await kim.http.get("/agent/knowledge", params={"days": "7"})
        everything = await kim.http.get("/agent/knowledge", params={"days": "alla"})
        recent_csv = await kim.http.get("/agent/knowledge.csv", params={"days": "30"})
        everything_csv = await kim.http.get("/agent/knowledge.csv", params={"days": "alla"})
    assert recent.status_code == week.status_code == everything.status_code == 200
    assert PAYROLL not in Tables(recent.text).values(caption)
    assert Tables(week.text).values(caption) == Tables(recent.text).values(caption)
    assert Tables(everything.text).values(caption)[PAYROLL] == "2"
    assert "räknat på de senaste 30 dagarna, från och med" in recent.text
    assert "räknat på alla konversationer som finns sparade" in everything.text
    assert '<option value="alla" selected>' in everything.text
    assert 'href="/agent/knowledge.csv?days=alla"' in everything.text
    assert PAYROLL not in recent_csv.content.decode("utf-8-sig")
    assert f"{PAYROLL};2" in everything_csv.content.decode("utf-8-sig")


async def test_the_unanswered_questions_download_as_csv_that_spreadsheets_read_as_text(
    client: httpx.AsyncClient,
) -> None:
    await seed(client)
    async with agent_user(client, "kim") as kim:
        response = await kim.http.get("/agent/knowledge.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="fragor-utan-artikel.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    text = response.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
        ["Fråga", "Antal"],
        [PAYROLL, "2"],
        ["'" + HOSTILE, "1"],  # a formula to a spreadsheet, so a leading apostrophe
        ["Lönesystemet visar fel lön för", "1"],
    ]


async def test_with_no_conversations_yet_the_pages_say_so_plainly(
    client: httpx.AsyncClient,
) -> None:
    async with agent_user(client, "kim") as kim:
        report = await kim.http.get("/agent/report")
        knowledge = await kim.http.get("/agent/knowledge")
        download = await kim.http.get("/agent/knowledge.csv")
    assert report.status_code == knowledge.status_code == download.status_code == 200
    assert "Inga konversationer har startat under perioden." in report.text
    assert "Ingen har lämnat en kommentar under perioden." in report.text
    shift_left = Tables(report.text).values("Artiklar som boten föreslog och som löste problemet")
    assert shift_left["Andel lösta av en artikel"] == f"{NO_DATA} inga uppgifter ännu"
    assert not re.search(r"\b(None|nan|NaN|inf)\b", report.text)
    assert "Ingen har ännu svarat att en artikel inte hjälpte." in knowledge.text
    assert "Inga frågor utan artikel ännu." in knowledge.text
    assert "Inga nya frågor: de frågor som en guide besvarade" in knowledge.text
    assert download.content.decode("utf-8-sig") == "Fråga;Antal\r\n"


@pytest.mark.parametrize(
    "days",
    ["abc", "-30", "0", "14", "7.5", "", " ", "9" * 400, "1e9", "30; drop table events", "\x00"],
)
async def test_a_period_not_offered_is_refused_with_a_page_not_an_error(
    client: httpx.AsyncClient, days: str
) -> None:
    async with agent_user(client, "kim") as kim:
        page = await kim.http.get("/agent/report", params={"days": days})
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "Rapporten kan visas för de senaste 7, 30 eller 90 dagarna." in page.text
    assert '<option value="30" selected>' in page.text  # the form to choose again


@pytest.mark.parametrize("days", ["all", "-1", "0", "14", "9" * 400, "\x00", "alla; x"])
async def test_a_knowledge_period_not_offered_is_refused_on_the_page_and_the_download(
    client: httpx.AsyncClient, days: str
) -> None:
    async with agent_user(client, "kim") as kim:
        page = await kim.http.get("/agent/knowledge", params={"days": days})
        download = await kim.http.get("/agent/knowledge.csv", params={"days": days})
    assert page.status_code == download.status_code == 400
    assert "Kunskapsbanken kan visas för de senaste 7, 30 eller 90 dagarna" in page.text
    assert '<option value="30" selected>' in page.text
    assert download.text == "Välj en period: 7, 30, 90 dagar eller alla."


async def test_the_pages_are_for_signed_in_agents_and_in_the_navigation(
    client: httpx.AsyncClient,
) -> None:
    await seed(client)
    for path in ("/agent/report", "/agent/knowledge", "/agent/knowledge.csv"):
        response = await client.get(path, params={"days": "30"})
        assert response.status_code == 303
        assert response.headers["location"] == f"/agent/login?next={path}"
        assert "Lönesystemet" not in response.text
    async with agent_user(client, "kim") as kim:
        queue = await kim.http.get("/agent")
        report = await kim.http.get("/agent/report")
        knowledge = await kim.http.get("/agent/knowledge")
    for page, current in ((queue, "/agent"), (report, "/agent/report")):
        assert f'<a href="{current}" aria-current="page">' in page.text
    for page in (queue, report, knowledge):
        assert '<a href="/agent/report"' in page.text
        assert '<a href="/agent/knowledge"' in page.text
    assert '<a href="/agent/knowledge" aria-current="page">' in knowledge.text
