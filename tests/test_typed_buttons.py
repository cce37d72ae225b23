"""Typed buttons below the channels (bot/typed_buttons.py): a typed title of the
latest offered buttons is parsed as the button's payload, with trackers built from
events and Rasa's own handling of "/intent" payloads standing in for the NLU model."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Restarted,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.message import Message

from bot import typed_buttons
from bot.actions.reply import intent_payload
from bot.core.i18n import t
from bot.core.settings import PROJECT_ROOT
from bot.typed_buttons import offered_buttons, parse_with_typed_buttons

DOMAIN = Domain.load(PROJECT_ROOT / "domain.yml")


def office_buttons(language: str) -> list[dict[str, str]]:
    """The buttons of the office confirmation (bot.actions.prompts.ask_location_confirmed)."""
    return [
        {"title": t("location.yes", language), "payload": intent_payload("affirm")},
        {"title": t("location.no", language), "payload": intent_payload("deny")},
    ]


CITY_BUTTONS = [
    {"title": city, "payload": city} for city in ("La Paz", "Cochabamba", "Santa Cruz de la Sierra")
]


def tracker(*events: Any) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("someone", list(events), slots=DOMAIN.slots)


def asked(buttons: list[dict[str, str]], *after: Any) -> DialogueStateTracker:
    """A conversation whose latest bot turn offered `buttons`, then `after`."""
    return tracker(
        ActionExecuted("action_listen"),
        UserUttered("santa cruz", {"name": "inform", "confidence": 0.9}),
        BotUttered("Is that right?", {"buttons": buttons}),
        *after,
    )


class StubNLU:
    """Rasa's parse as the model does it for payloads (its RegexMessageHandler, with
    the project's domain), and an `nlu_fallback` for anything else; records what it
    was asked to parse."""

    def __init__(self) -> None:
        self.parsed: list[str] = []

    async def __call__(
        self, message: UserMessage, tracker: DialogueStateTracker | None, only_output_properties: bool
    ) -> dict[str, Any]:
        self.parsed.append(message.text)
        parsed = YAMLStoryReader.unpack_regex_message(Message({"text": message.text}), DOMAIN)
        return {
            "text": message.text,
            "intent": parsed.get("intent") or {"name": "nlu_fallback", "confidence": 0.3},
            "entities": parsed.get("entities") or [],
        }


def parse(
    text: str, conversation: DialogueStateTracker | None
) -> tuple[dict[str, Any], StubNLU, UserMessage]:
    nlu = StubNLU()
    message = UserMessage(text, CollectingOutputChannel(), "someone", input_channel="rest")
    return asyncio.run(parse_with_typed_buttons(nlu, message, conversation)), nlu, message


@pytest.mark.parametrize(
    ("language", "typed", "intent"),
    [
        ("en", "no, choose another", "deny"),
        ("en", "Choose anothr", "deny"),
        ("en", "yes, that's right", "affirm"),
        ("es", "no, elegir otra", "deny"),
        ("es", "Elegir otra por favor", "deny"),
        ("es", "si, es correcto", "affirm"),
    ],
)
def test_a_typed_title_is_parsed_as_its_button_and_keeps_the_typed_words(
    language: str, typed: str, intent: str
) -> None:
    parse_data, nlu, message = parse(typed, asked(office_buttons(language)))

    assert nlu.parsed == [f"/{intent}"]
    assert parse_data["intent"]["name"] == intent
    assert parse_data["text"] == typed
    assert message.text == typed


def test_a_payload_with_entities_gives_them_to_the_parse() -> None:
    buttons = [
        {"title": t("language.english", "es"), "payload": intent_payload("switch_language", language="en")},
        {"title": t("language.spanish", "es"), "payload": intent_payload("switch_language", language="es")},
    ]
    parse_data, _, _ = parse("espanol", asked(buttons))

    assert parse_data["intent"]["name"] == "switch_language"
    assert [(entity["entity"], entity["value"]) for entity in parse_data["entities"]] == [("language", "es")]
    assert parse_data["text"] == "espanol"


def test_a_plain_payload_becomes_the_message_text_as_a_press_would_send_it() -> None:
    parse_data, nlu, message = parse("cochavamba", asked(CITY_BUTTONS))

    assert nlu.parsed == ["Cochabamba"]
    assert message.text == parse_data["text"] == "Cochabamba"


@pytest.mark.parametrize(
    "typed",
    [
        "no",
        "qwerty",
        "/affirm",
        '/switch_language{"language": "en"}',
    ],
    ids=["bare no", "unrelated", "payload", "payload with entities"],
)
def test_anything_else_is_parsed_as_written(typed: str) -> None:
    parse_data, nlu, message = parse(typed, asked(office_buttons("en")))

    assert nlu.parsed == [typed]
    assert parse_data["text"] == message.text == typed


@pytest.mark.parametrize(
    ("typed", "intent"),
    [
        ("yes that's right and send it to Santa Cruz", "affirm"),
        ("si, y que me lo devuelvan en santa cruz", "affirm"),
    ],
)
def test_a_message_that_starts_with_the_yes_or_no_and_says_more_takes_that_buttons_intent(
    typed: str, intent: str
) -> None:
    parse_data, nlu, message = parse(typed, asked(office_buttons("en")))

    assert nlu.parsed == [typed, f"/{intent}"]
    assert parse_data["intent"]["name"] == intent
    assert parse_data["text"] == message.text == typed


def test_a_leading_yes_does_not_outweigh_an_intent_the_model_found() -> None:
    """ "yes but how much is DHL?" is a question first: the yes is not pressed."""
    nlu = StubNLU()

    async def asks_a_price(message: UserMessage, tracker: Any, only_output: bool) -> dict[str, Any]:
        parsed = await nlu(message, tracker, only_output)
        return {**parsed, "intent": {"name": "ask_courier_price", "confidence": 0.9}}

    message = UserMessage("yes but how much is DHL?", CollectingOutputChannel(), "someone")
    parse_data = asyncio.run(parse_with_typed_buttons(asks_a_price, message, asked(office_buttons("en"))))

    assert parse_data["intent"]["name"] == "ask_courier_price"
    assert nlu.parsed == ["yes but how much is DHL?"]


def test_a_leading_yes_without_an_offered_yes_button_changes_nothing() -> None:
    parse_data, nlu, _ = parse("yes, in Santa Cruz", asked(CITY_BUTTONS))

    assert parse_data["intent"]["name"] == "nlu_fallback"
    assert nlu.parsed == ["yes, in Santa Cruz"]


@pytest.mark.parametrize(
    "conversation",
    [
        None,
        tracker(),
        asked(office_buttons("en"), UserUttered("hmm"), BotUttered("Sorry, I didn't understand that.")),
        asked(office_buttons("en"), ActionExecuted("action_restart"), Restarted()),
        asked(office_buttons("en"), ActionExecuted("action_session_start"), SessionStarted()),
    ],
    ids=["no tracker", "empty", "answered already", "restarted", "new session"],
)
def test_buttons_count_only_in_the_turn_that_offered_them(conversation: DialogueStateTracker | None) -> None:
    assert offered_buttons(conversation) == []
    parse_data, nlu, _ = parse("choose another", conversation)
    assert nlu.parsed == ["choose another"]
    assert parse_data["intent"]["name"] == "nlu_fallback"


def test_the_latest_message_with_buttons_of_the_turn_counts() -> None:
    conversation = asked(
        office_buttons("en"),
        BotUttered("You can also write “cancel”."),
    )
    assert offered_buttons(conversation) == office_buttons("en")
    _, nlu, _ = parse("choose another", conversation)
    assert nlu.parsed == ["/deny"]


def test_malformed_buttons_are_ignored() -> None:
    conversation = asked(["Choose another", {"title": "Choose another", "payload": "/deny"}])  # type: ignore[list-item]
    assert offered_buttons(conversation) == [{"title": "Choose another", "payload": "/deny"}]


@pytest.fixture
def stub_processor(monkeypatch: pytest.MonkeyPatch) -> Iterator[MessageProcessor]:
    """A MessageProcessor whose own parse is StubNLU, with typed buttons installed
    over it (monkeypatch puts Rasa's parse_message back afterwards)."""
    nlu = StubNLU()

    async def rasa_parse(
        self: MessageProcessor,
        message: UserMessage,
        tracker: DialogueStateTracker | None = None,
        only_output_properties: bool = True,
    ) -> dict[str, Any]:
        return await nlu(message, tracker, only_output_properties)

    monkeypatch.setattr(MessageProcessor, "parse_message", rasa_parse)
    typed_buttons.install()
    typed_buttons.install()  # a second call changes nothing
    processor = object.__new__(MessageProcessor)
    processor.domain = DOMAIN
    processor.nlu = nlu  # type: ignore[attr-defined]
    yield processor


def test_installed_rasa_records_the_typed_words_with_the_buttons_intent(
    stub_processor: MessageProcessor,
) -> None:
    conversation = asked(office_buttons("es"))
    message = UserMessage("no, elegir otra", CollectingOutputChannel(), "someone", input_channel="rest")

    # Rasa's own step that parses a message and logs it on the tracker.
    asyncio.run(stub_processor._handle_message_with_tracker(message, conversation))

    latest = conversation.latest_message
    assert latest is not None
    assert (latest.text, latest.intent["name"]) == ("no, elegir otra", "deny")
    assert stub_processor.nlu.parsed == ["/deny"]  # type: ignore[attr-defined]


def test_installed_rasa_parses_other_messages_as_before(stub_processor: MessageProcessor) -> None:
    parse_data = asyncio.run(stub_processor.parse_message(UserMessage("elegir otra"), None))
    assert (parse_data["text"], parse_data["intent"]["name"]) == ("elegir otra", "nlu_fallback")
