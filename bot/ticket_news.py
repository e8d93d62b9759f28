"""News of a ticket for a citizen who gave an e-mail address with it (their chat session
may be long gone): no ticket content in the mail, only the new state and how to read more."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.base import Services
from bot.store.models import Ticket
from bot.store.unit import joined


async def mail_news(services: Services, session: AsyncSession, ticket: Ticket) -> None:
    """Queue the e-mail in ``session``'s transaction (sent only if it commits)."""
    email = (ticket.details or {}).get("contact_email")
    mailer = services.mailer
    if not email or mailer is None:
        return
    words = services.replies
    context = {
        "number": ticket.number,
        "state": words.label(ticket.locale, f"state_{ticket.state}"),
        "organisation": services.settings.organisation_name,
        "site": services.settings.public_base_url,
    }
    with joined(session, conversation_id=ticket.conversation_id):
        await mailer.send(
            email,
            words.text(ticket.locale, "ticket_update_subject", **context),
            words.text(ticket.locale, "ticket_update_mail", **context),
        )
