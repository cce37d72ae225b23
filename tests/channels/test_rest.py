"""The REST channel on a real Sanic server, with a stand-in for Rasa: Rasa's request
and response shape, text and metadata cleaned before Rasa sees them, intent payloads
kept, and which turns get the "problem on our side" apology."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, Restarted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.rest import RestInput
from bot.core.i18n import t
from tests.fakes.rasa import DOMAIN, Agent, exchange, intent_event, nested, serve

PATH = "/webhooks/rest/webhook"


def post(body: Any, agent: Agent) -> tuple[int, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def scenario() -> tuple[int, Any]:
        async with serve(RestInput(), agent) as port:
            status, answer, _ = await exchange(
                port, PATH, {"Content-Type": "application/json", "Connection": "close"}, body=raw
            )
            return status, answer

    return asyncio.run(scenario())


def test_a_message_reaches_rasa_and_the_replies_come_back_in_rasas_shape() -> None:
    agent = Agent(intent_event("greet"), replies=("¡Hola!", "¿En qué le ayudo?"))
    body = {"sender": "web-1", "message": "hola", "metadata": {"language": "es"}}
    assert post(body, agent) == (
        200,
        [{"recipient_id": "web-1", "text": "¡Hola!"}, {"recipient_id": "web-1", "text": "¿En qué le ayudo?"}],
    )
    (message,) = agent.rasa.received
    assert (message.text, message.sender_id, message.metadata, message.input_channel) == (
        "hola",
        "web-1",
        {"language": "es"},
        "rest",
    )


def test_a_chunked_body_within_the_limit_is_read_whole() -> None:
    agent = Agent(intent_event("greet"), replies=("Hola.",))
    raw = json.dumps(
        {"sender": "web-1", "message": "hola", "metadata": {"language": "es", "pad": " " * 60_000}}
    )

    async def scenario() -> tuple[int, Any, bool]:
        async with serve(RestInput(), agent) as port:
            chunks = tuple(raw[index : index + 16_384].encode() for index in range(0, len(raw), 16_384))
            return await exchange(
                port, PATH, {"Content-Type": "application/json", "Connection": "close"}, chunks=(*chunks, b"")
            )

    assert asyncio.run(scenario())[:2] == (200, [{"recipient_id": "web-1", "text": "Hola."}])
    assert [(m.text, m.metadata) for m in agent.rasa.received] == [("hola", {"language": "es"})]


def test_huge_deep_metadata_and_lone_surrogates_reach_rasa_cleaned() -> None:
    agent = Agent(intent_event("greet"), replies=("Hola.",))
    metadata = {"language": "es", "blob": "x" * 150_000, "deep": nested(500), "customData": {"a": [1, 2]}}
    body = {"sender": "web-1", "message": "Hola\ud800 Jose\u0301\x00 " + "ñ" * 3_000, "metadata": metadata}
    assert post(body, agent)[0] == 200
    (message,) = agent.rasa.received
    assert message.metadata == {"language": "es"}
    assert message.text == ("Hola José " + "ñ" * 3_000)[:2_000]
    message.text.encode("utf-8")


@pytest.mark.parametrize("metadata", [{"language": "fr"}, {"language": nested(500)}, {}, None])
def test_metadata_without_one_of_our_languages_reaches_rasa_empty(metadata: Any) -> None:
    agent = Agent(replies=("Hi.",))
    post({"sender": "web-1", "message": "hi", "metadata": metadata}, agent)
    assert agent.rasa.received[0].metadata == {}


def test_intent_payloads_stay_allowed_on_the_programmatic_api() -> None:
    agent = Agent(replies=("OK.",))
    post({"sender": "web-1", "message": '/inform{"city": "Potosí"}'}, agent)
    assert agent.rasa.received[0].text == '/inform{"city": "Potosí"}'


@pytest.mark.parametrize(
    ("text", "events"),
    [
        (
            "/session_start",
            [
                intent_event("session_start"),
                ActionExecuted("action_session_start"),
                SessionStarted(),
                ActionExecuted("action_listen"),
            ],
        ),
        ("/restart", [intent_event("restart"), ActionExecuted("action_restart"), Restarted()]),
    ],
)
def test_session_start_and_restart_answer_nothing_without_an_apology(text: str, events: list) -> None:
    agent = Agent(*events)
    assert post({"sender": "web-1", "message": text, "metadata": {"language": "es"}}, agent) == (200, [])


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_turn_that_should_have_answered_gets_the_apology(language: str) -> None:
    # The action server was down: Rasa ran the action without events and sent nothing.
    agent = Agent(intent_event("greet"), ActionExecuted("action_greet"))
    answer = post({"sender": "web-1", "message": "hola", "metadata": {"language": language}}, agent)
    assert answer == (200, [{"recipient_id": "web-1", "text": t("system.unavailable", language)}])


def test_a_failing_turn_gets_the_apology_even_for_a_restart() -> None:
    agent = Agent(intent_event("restart"), Restarted(), error=True)
    answer = post({"sender": "web-1", "message": "/restart", "metadata": {"language": "es"}}, agent)
    assert answer == (200, [{"recipient_id": "web-1", "text": t("system.unavailable", "es")}])


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        {"message": "hi"},
        {"sender": ""},
        {"sender": "x" * 129},
        {"sender": "web\ud800-1"},
        {"sender": "web\x00-1"},
        {"sender": "web-1", "message": 5},
        {"sender": "web-1", "metadata": "es"},
    ],
    ids=[
        "broken JSON",
        "not an object",
        "no sender",
        "empty sender",
        "long sender",
        "lone surrogate in sender",
        "control character in sender",
        "message not text",
        "metadata not an object",
    ],
)
def test_a_malformed_body_gets_400_and_never_reaches_rasa(body: Any) -> None:
    agent = Agent(replies=("Hi.",))
    status, answer = post(body, agent)
    assert status == 400 and "error" in answer
    assert agent.rasa.received == []


# --- a message sent again with the same message_id ---------------------------------------


def _stored(agent: Agent, sender: str, *events: Any) -> None:
    tracker = DialogueStateTracker.from_events(sender, list(events), slots=DOMAIN.slots)
    asyncio.run(agent.tracker_store.save(tracker))


def test_a_message_sent_again_gets_the_same_replies_without_a_second_turn() -> None:
    agent = Agent(replies=("should not be sent",))
    buttons = [{"title": "Sí", "payload": "/affirm"}]
    _stored(
        agent,
        "web-1",
        UserUttered("hola", message_id="m-1"),
        BotUttered("¡Hola!"),
        BotUttered("¿Ya se registró?", {"buttons": buttons}),
        UserUttered("sí", message_id="m-2"),
        BotUttered("¿Su pasaporte?"),
        UserUttered("sí", message_id="m-3"),
        BotUttered("¡Listo!", {"custom": {"confirmation": {"number": "AAAA-BBBB"}}}),
    )
    # As Rasa's own output channel sent it: the custom JSON in a message of its own.
    assert post({"sender": "web-1", "message": "sí", "message_id": "m-3"}, agent) == (
        200,
        [
            {"recipient_id": "web-1", "text": "¡Listo!"},
            {"recipient_id": "web-1", "custom": {"confirmation": {"number": "AAAA-BBBB"}}},
        ],
    )

    status, answer = post({"sender": "web-1", "message": "hola", "message_id": "m-1"}, agent)

    assert (status, answer) == (
        200,
        [
            {"recipient_id": "web-1", "text": "¡Hola!"},
            {"recipient_id": "web-1", "text": "¿Ya se registró?", "buttons": buttons},
        ],
    )
    assert agent.rasa.received == []


def test_a_new_message_id_is_a_new_turn_that_carries_its_id() -> None:
    agent = Agent(replies=("¡Hola!",))
    _stored(agent, "web-1", UserUttered("hola", message_id="m-1"), BotUttered("¡Hola!"))

    assert post({"sender": "web-1", "message": "hola", "message_id": "m-2"}, agent) == (
        200,
        [{"recipient_id": "web-1", "text": "¡Hola!"}],
    )
    assert [message.message_id for message in agent.rasa.received] == ["m-2"]


@pytest.mark.parametrize("message_id", ["", 42, "x" * 129, "bad\u0000id"])
def test_an_unusable_message_id_gets_400(message_id: Any) -> None:
    agent = Agent(replies=("¡Hola!",))
    status, _ = post({"sender": "web-1", "message": "hola", "message_id": message_id}, agent)
    assert status == 400
    assert agent.rasa.received == []


def test_a_conversation_that_cannot_be_read_is_a_new_turn_not_an_error() -> None:
    agent = Agent(replies=("¡Hola!",))

    async def unreadable(sender_id: str) -> None:
        raise ConnectionError("store down")

    agent.tracker_store.retrieve = unreadable  # type: ignore[method-assign]

    # The turn runs (and, as the store fails Rasa too, ends with the apology): no 500.
    status, answer = post({"sender": "web-1", "message": "hola", "message_id": "m-9"}, agent)
    assert status == 200
    assert [message["text"] for message in answer] == ["¡Hola!", t("system.unavailable", "en")]
    assert [message.message_id for message in agent.rasa.received] == ["m-9"]
