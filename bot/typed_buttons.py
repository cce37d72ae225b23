"""Typed buttons in every channel: a message that clearly is one of the buttons the
assistant just offered (bot.core.buttons) is read as that button's payload.

`install()` (called by bot.rasa_server at start-up) wraps Rasa's
`MessageProcessor.parse_message`, through which every channel's message is parsed
with its conversation's tracker. When the latest bot turn offered buttons and the
text is one of them, the payload is parsed instead: "/deny" keeps the person's own
words as the message text (the language is still read from them); a plain payload (a
city, an office id) becomes the text, as a press would send it. Payloads typed as
such ("/affirm") and messages without offered buttons are parsed as before.

A message that starts with a yes or a no and goes on ("yes, and send it back to
Santa Cruz") keeps its own parse (its entities fill other answers), but when the
model read no intent in it (or only data, a greeting or thanks), it takes the intent of the
offered yes (or no) button: the person answered the question, and said more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, Restarted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.buttons import answered_yes_or_no, pressed_button

# Rasa's parse of one message: (message, tracker, only_output_properties) -> parse data.
Parse = Callable[[UserMessage, "DialogueStateTracker | None", bool], Awaitable[dict[str, Any]]]
INTENT_PREFIX = "/"
# Intents a leading yes or no outweighs: nothing else was understood, or only data.
WEAKER_THAN_YES_OR_NO = frozenset({"nlu_fallback", "inform", "goodbye", "greet"})


def offered_buttons(tracker: DialogueStateTracker | None) -> list[dict[str, Any]]:
    """The buttons of the assistant's latest message with buttons since the person's
    latest message (none after it, or after a restart or a new session)."""
    for event in reversed(tracker.events if tracker is not None else []):
        if isinstance(event, (UserUttered, Restarted, SessionStarted)):
            return []
        if isinstance(event, BotUttered):
            buttons = (event.data or {}).get("buttons") or []
            if buttons:
                return [button for button in buttons if isinstance(button, dict)]
    return []


def _typed(text: str | None) -> TypeGuard[str]:
    """Whether `text` is typed words, not empty and not a payload ("/affirm")."""
    return bool(text) and not str(text).lstrip().startswith(INTENT_PREFIX)


async def parse_with_typed_buttons(
    parse: Parse,
    message: UserMessage,
    tracker: DialogueStateTracker | None = None,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    """`parse` of `message`, or of the payload of the button its text clearly is; a
    message that starts with the offered yes or no and says more keeps its own parse
    with that button's intent when the model found no stronger one."""
    text = message.text
    if not _typed(text):
        return await parse(message, tracker, only_output_properties)
    offered = offered_buttons(tracker)
    payload = pressed_button(text, offered)
    if payload is not None:
        parse_data = await _parse_payload(parse, message, payload, tracker, only_output_properties)
        if payload.startswith(INTENT_PREFIX):
            parse_data["text"] = text
        else:
            # Rasa stores `message.text` as what the person said; slots filled from the
            # text then get the button's value, as after a press.
            message.text = payload
        return parse_data
    parse_data = await parse(message, tracker, only_output_properties)
    if (parse_data.get("intent") or {}).get("name") not in WEAKER_THAN_YES_OR_NO:
        return parse_data
    answer = answered_yes_or_no(text, offered)
    if answer is None or not answer.startswith(INTENT_PREFIX):
        return parse_data
    button = await _parse_payload(parse, message, answer, tracker, only_output_properties)
    return {**parse_data, "intent": button.get("intent"), "intent_ranking": button.get("intent_ranking", [])}


async def _parse_payload(
    parse: Parse,
    message: UserMessage,
    payload: str,
    tracker: DialogueStateTracker | None,
    only_output_properties: bool,
) -> dict[str, Any]:
    """`parse` of `payload` sent as `message` (as a press of its button would send it)."""
    pressed = UserMessage(
        payload,
        message.output_channel,
        message.sender_id,
        input_channel=message.input_channel,
        message_id=message.message_id,
        metadata=message.metadata,
    )
    return await parse(pressed, tracker, only_output_properties)


def install() -> None:
    """Makes every parse of a message in this process read typed button titles."""
    original = MessageProcessor.parse_message
    if getattr(original, "reads_typed_buttons", False):
        return

    async def parse_message(
        self: MessageProcessor,
        message: UserMessage,
        tracker: DialogueStateTracker | None = None,
        only_output_properties: bool = True,
    ) -> dict[str, Any]:
        async def parse(
            to_parse: UserMessage, with_tracker: DialogueStateTracker | None, output_only: bool
        ) -> dict[str, Any]:
            return await original(self, to_parse, with_tracker, output_only)

        return await parse_with_typed_buttons(parse, message, tracker, only_output_properties)

    parse_message.reads_typed_buttons = True  # type: ignore[attr-defined]
    MessageProcessor.parse_message = parse_message
