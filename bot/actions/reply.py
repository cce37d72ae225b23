"""Replies from the locales in the person's language, button payloads, and the
replies several actions share (database trouble, lookup limits, consular contact)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.language_choice import resolve_language
from bot.actions.services import services
from bot.core.i18n import t


def intent_payload(intent: str, **entities: str) -> str:
    """A button payload that triggers `intent` directly (with optional entities)."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


@dataclass
class Reply:
    """Sends locale texts to the person, in their language."""

    dispatcher: CollectingDispatcher
    language: str | None

    def text(self, key: str, **params: Any) -> str:
        return t(key, self.language, **params)

    def say(
        self,
        key: str,
        buttons: list[tuple[str, str]] | None = None,
        /,
        **params: Any,
    ) -> None:
        self.send(self.text(key, **params), buttons)

    def send(
        self, text: str, buttons: list[tuple[str, str]] | None = None, custom: dict[str, Any] | None = None
    ) -> None:
        """Sends `text` with buttons given as (already rendered title, payload), and
        `custom` JSON for the channels that render more than text."""
        rendered = [{"title": title, "payload": payload} for title, payload in buttons or []]
        if custom:
            self.dispatcher.utter_message(text=text, buttons=rendered, json_message=custom)
        else:
            self.dispatcher.utter_message(text=text, buttons=rendered)

    def buttons(self, *pairs: tuple[str, str]) -> list[tuple[str, str]]:
        """Buttons from (locale key of the title, payload) pairs."""
        return [(self.text(key), payload) for key, payload in pairs]


def confirmation_link(token: str) -> str:
    """The address of a confirmation's printable page."""
    return f"{services().settings.public_url}/confirmation/{token}"


def confirmation_custom(number: str, token: str) -> dict[str, Any]:
    """What the channels need to deliver a confirmation beyond its text: the web chat
    shows links to the page and the PDF, Telegram and WhatsApp send the PDF itself."""
    page = confirmation_link(token)
    return {"confirmation": {"number": number, "page": page, "pdf": f"{page}.pdf", "token": token}}


def reply_for(dispatcher: CollectingDispatcher, tracker: Tracker) -> Reply:
    """A Reply in the conversation's language (for form validation methods)."""
    return Reply(dispatcher, resolve_language(tracker).language)


def contact_text(reply: Reply) -> str:
    """How to reach the consular section, from the embassy profile."""
    profile = services().profile
    language = reply.language or "en"
    contact = profile.contact
    lines = [reply.text("faq.contact", embassy=profile.display_name(language))]
    for key, value in (
        ("faq.contact_address", contact.address),
        ("faq.contact_phone", contact.phone),
        ("faq.contact_email", contact.email),
        ("faq.contact_web", contact.web.get(language) or profile.page(language)),
    ):
        if value:
            lines.append(reply.text(key, value=value))
    return "\n".join(lines)


def say_try_again(reply: Reply) -> None:
    """The apology when the database is in trouble; the caller leaves the question open."""
    reply.say("system.registry_unavailable")


def say_with_contact(reply: Reply, key: str) -> None:
    """The text of `key`, then the consular contact."""
    reply.send(f"{reply.text(key)}\n{contact_text(reply)}")


def say_lookup_limited(reply: Reply) -> None:
    """One and the same reply whenever the lookup limits stop a lookup or a save."""
    say_with_contact(reply, "lookup.limited")
