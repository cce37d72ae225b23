"""The WhatsApp channel: Twilio's signature, the webhook form, the calling-code
language guess, how replies are rendered and sent, and the webhook on a real Sanic
server (what reaches Rasa, and when the apology is sent)."""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, Restarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.base import conversation_id
from bot.channels.whatsapp import (
    DEFAULT_API_BASE,
    WHATSAPP_MAX_CHARS,
    Inbound,
    TwilioConfig,
    WhatsAppInput,
    WhatsAppOutput,
    form_fields,
    read_inbound,
    render,
    signature_matches,
    twilio_signature,
)
from bot.core.buttons import pressed_button
from bot.core.calling_codes import language_for_number
from bot.core.i18n import t
from bot.typed_buttons import offered_buttons
from tests.fakes.rasa import DOMAIN, Agent, exchange, intent_event, serve
from tests.fakes.recorder import RecordingServer

# The worked example of Twilio's request validation (twilio-python's tests and the
# helper libraries' documentation): this token, URL and form give this signature.
DOC_TOKEN = "12345"
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
DOC_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
# The same libraries' example of a name given several times.
DOC_REPEATED = [
    ("Sid", "CA123"),
    ("SidAccount", "AC123"),
    ("Digits", "5678"),
    ("Digits", "1234"),
    ("Digits", "1234"),
]
DOC_REPEATED_SIGNATURE = "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_signature_matches_twilios_documented_example() -> None:
    assert twilio_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS.items()) == DOC_SIGNATURE
    assert signature_matches(DOC_TOKEN, DOC_URL, DOC_PARAMS.items(), DOC_SIGNATURE)


@pytest.mark.parametrize(
    ("signed_url", "webhook_url"),
    [
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", DOC_URL),
        (DOC_URL, "https://mycompany.com:443/myapp.php?foo=1&bar=2"),
    ],
    ids=["Twilio signed the default port", "the webhook URL names it"],
)
def test_signature_matches_with_or_without_the_default_port(signed_url: str, webhook_url: str) -> None:
    signature = twilio_signature(DOC_TOKEN, signed_url, DOC_PARAMS.items())
    assert signature_matches(DOC_TOKEN, webhook_url, DOC_PARAMS.items(), signature)
    assert not signature_matches(
        DOC_TOKEN, webhook_url.replace("mycompany", "other"), DOC_PARAMS.items(), signature
    )


def test_signature_of_a_repeated_name_matches_twilios_example() -> None:
    assert twilio_signature(DOC_TOKEN, DOC_URL, DOC_REPEATED) == DOC_REPEATED_SIGNATURE


def test_signature_sorts_the_parameters_by_name() -> None:
    shuffled = sorted(DOC_PARAMS.items(), key=lambda item: item[1], reverse=True)
    assert twilio_signature(DOC_TOKEN, DOC_URL, shuffled) == DOC_SIGNATURE


@pytest.mark.parametrize(
    ("token", "url", "params", "signature"),
    [
        (DOC_TOKEN, DOC_URL, {**DOC_PARAMS, "Digits": "1235"}, DOC_SIGNATURE),
        (DOC_TOKEN, DOC_URL, {**DOC_PARAMS, "Body": ""}, DOC_SIGNATURE),
        (DOC_TOKEN, DOC_URL.replace("https", "http"), DOC_PARAMS, DOC_SIGNATURE),
        (DOC_TOKEN, DOC_URL + "&baz=3", DOC_PARAMS, DOC_SIGNATURE),
        (DOC_TOKEN, "https://mycompany.com/myapp.php", DOC_PARAMS, DOC_SIGNATURE),
        ("54321", DOC_URL, DOC_PARAMS, DOC_SIGNATURE),
        (DOC_TOKEN, DOC_URL, DOC_PARAMS, DOC_SIGNATURE.lower()),
        (DOC_TOKEN, DOC_URL, DOC_PARAMS, ""),
        (DOC_TOKEN, DOC_URL, DOC_PARAMS, None),
        (DOC_TOKEN, DOC_URL, DOC_PARAMS, "ñandú 🙂"),
    ],
    ids=[
        "tampered param",
        "added param",
        "http url",
        "other query",
        "no query",
        "other token",
        "case changed",
        "empty",
        "missing",
        "not ascii",
    ],
)
def test_signature_rejects_anything_else(token: str, url: str, params: dict, signature: str | None) -> None:
    assert not signature_matches(token, url, params.items(), signature)


def test_signature_signs_the_decoded_values_as_utf8() -> None:
    fields = {"Body": "¡Hola! ¿Qué tal? 🙂 a+b", "From": "whatsapp:+59171234567"}
    body = urllib.parse.urlencode(fields).encode()
    url = "https://bot.example.org/webhooks/whatsapp/webhook"
    signature = twilio_signature("token", url, form_fields(body).items())
    assert signature == twilio_signature("token", url, fields.items())
    assert len(base64.b64decode(signature)) == 20  # an HMAC-SHA1 digest


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe", b"Body", b"Body=a&&From=b", b"From=a&From=b", b"&".join(b"f%d=x" % i for i in range(101))],
    ids=["not utf-8", "no equals sign", "empty field", "repeated name", "too many fields"],
)
def test_form_fields_rejects_what_is_not_a_twilio_form(body: bytes) -> None:
    with pytest.raises(ValueError):
        form_fields(body)


def test_form_fields_keeps_blank_values_and_decodes_the_plus_sign() -> None:
    assert form_fields(b"Body=&From=whatsapp%3A%2B591&Text=a+b") == {
        "Body": "",
        "From": "whatsapp:+591",
        "Text": "a b",
    }
    assert form_fields(b"") == {}


def twilio_form(**overrides: str | None) -> dict[str, str]:
    """The fields of a real incoming WhatsApp message, with some replaced or removed (None)."""
    fields = {
        "SmsMessageSid": "SM0123456789abcdef0123456789abcdef",
        "NumMedia": "0",
        "ProfileName": "Ana",
        "MessageType": "text",
        "SmsSid": "SM0123456789abcdef0123456789abcdef",
        "WaId": "59171234567",
        "SmsStatus": "received",
        "Body": "¡Hola! ¿Cómo está? 🙂",
        "To": "whatsapp:+14155238886",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": "SM0123456789abcdef0123456789abcdef",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": "whatsapp:+59171234567",
        "ApiVersion": "2010-04-01",
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not None}


def test_read_inbound_keeps_the_text_exactly_as_sent() -> None:
    assert read_inbound(twilio_form()) == Inbound(
        "whatsapp:+59171234567", "¡Hola! ¿Cómo está? 🙂", "SM0123456789abcdef0123456789abcdef"
    )


def test_read_inbound_cuts_the_text_like_the_rest_channel() -> None:
    inbound = read_inbound(twilio_form(Body="ñ" * 3_000))
    assert isinstance(inbound, Inbound) and inbound.text == "ñ" * 2_000


def test_read_inbound_of_a_photo_without_caption_has_no_text() -> None:
    inbound = read_inbound(twilio_form(Body=None, NumMedia="1", MediaContentType0="image/jpeg"))
    assert isinstance(inbound, Inbound) and inbound.text == ""


@pytest.mark.parametrize(
    "overrides",
    [
        {"From": None},
        {"From": "+59171234567"},
        {"From": "whatsapp:59171234567"},
        {"From": "whatsapp:+591 7123 4567"},
        {"From": "whatsapp:+1"},
        {"From": "messenger:+59171234567"},
        {"MessageSid": None},
        {"MessageSid": "SM<script>"},
        {"NumMedia": "many"},
    ],
    ids=lambda overrides: ",".join(f"{key}={value}" for key, value in overrides.items()),
)
def test_read_inbound_names_what_is_wrong(overrides: dict) -> None:
    reason = read_inbound(twilio_form(**overrides))
    assert isinstance(reason, str) and next(iter(overrides)) in reason


@pytest.mark.parametrize(
    ("number", "language"),
    [
        ("+59171234567", "es"),  # Bolivia
        ("+5215512345678", "es"),  # Mexico
        ("+541112345678", "es"),  # Argentina
        ("+34612345678", "es"),  # Spain
        ("+50212345678", "es"),  # Guatemala
        ("+18095551234", "es"),  # Dominican Republic
        ("+18295551234", "es"),
        ("+18495551234", "es"),
        ("+17875551234", "es"),  # Puerto Rico
        ("+19395551234", "es"),
        ("+12025550123", "en"),  # United States
        ("+14165550123", "en"),  # Canada
        ("+18765550123", "en"),  # Jamaica
        ("+447911123456", "en"),  # United Kingdom
        ("+61412345678", "en"),  # Australia
        ("+5926001234", "en"),  # Guyana, next to Bolivia's +591
        ("+5511912345678", None),  # Brazil
        ("+33612345678", None),  # France
        ("+4915112345678", None),  # Germany
        ("+59412345678", None),  # French Guiana
        ("59171234567", "es"),
        ("not a number", None),
        ("+591", None),
    ],
)
def test_language_for_number(number: str, language: str | None) -> None:
    assert language_for_number(number) == language


def test_config_from_env_needs_every_variable() -> None:
    env = {
        "TWILIO_ACCOUNT_SID": "AC123",
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
        "TWILIO_WEBHOOK_URL": "https://bot.example.org/webhooks/whatsapp/webhook",
    }
    config = TwilioConfig.from_env(env)
    assert config == TwilioConfig("AC123", "token", "whatsapp:+14155238886", env["TWILIO_WEBHOOK_URL"])
    assert config.messages_url == f"{DEFAULT_API_BASE}/2010-04-01/Accounts/AC123/Messages.json"
    assert (
        TwilioConfig.from_env({**env, "TWILIO_API_BASE": "http://127.0.0.1:9/"}).api_base
        == "http://127.0.0.1:9"
    )
    for name in env:
        assert TwilioConfig.from_env({**env, name: " "}) is None
    assert TwilioConfig.from_env({}) is None


@pytest.mark.parametrize("language", ["en", "es"])
def test_render_lists_the_buttons_by_number_with_a_hint(language: str) -> None:
    buttons = [{"title": "Sí", "payload": "/affirm"}, {"title": "No, 3 de mayo", "payload": "/deny"}]
    assert render("¿Es correcto?", buttons, language) == (
        f"¿Es correcto?\n\n1. Sí\n2. No, 3 de mayo\n\n{t('whatsapp.choose', language)}"
    )


def test_render_of_plain_text_is_the_text() -> None:
    assert render("¡Hola!", [], "es") == "¡Hola!"


@pytest.fixture
def fake_twilio() -> Iterator[RecordingServer]:
    server = RecordingServer(answer=lambda _: {"sid": "SM" + "1" * 32, "status": "queued"})
    server.start()
    yield server
    server.stop()


def _output(server: RecordingServer) -> WhatsAppOutput:
    config = TwilioConfig("AC123", "token", "whatsapp:+14155238886", "https://unused", api_base=server.url)
    return WhatsAppOutput(config, "whatsapp:+59171234567")


def test_deliver_splits_a_long_reply_at_sentences_and_sends_in_order(fake_twilio: RecordingServer) -> None:
    output = _output(fake_twilio)
    long_text = " ".join(f"Oración número {index}, ¿está clara?" for index in range(120))
    asyncio.run(output.send_text_message("someone", long_text))
    asyncio.run(output.send_text_with_buttons("someone", "¿Sigue?", [{"title": "Sí", "payload": "/affirm"}]))
    assert asyncio.run(output.deliver("es"))
    sent = [request.body for request in fake_twilio.requests]
    pieces = [body["Body"] for body in sent[:-1]]
    assert len(pieces) == -(-len(long_text) // WHATSAPP_MAX_CHARS)  # as few as the limit allows here
    assert all(len(piece) <= WHATSAPP_MAX_CHARS and piece.endswith("?") for piece in pieces)
    assert " ".join(pieces) == long_text
    assert sent[-1]["Body"] == render("¿Sigue?", [{"title": "Sí", "payload": "/affirm"}], "es")
    assert {(body["From"], body["To"]) for body in sent} == {
        ("whatsapp:+14155238886", "whatsapp:+59171234567")
    }
    request = fake_twilio.requests[0]
    assert request.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"AC123:token").decode()


def test_deliver_stops_at_a_reply_that_could_not_be_sent(fake_twilio: RecordingServer) -> None:
    output = _output(fake_twilio)
    for text in ("First.", "Second."):
        asyncio.run(output.send_text_message("someone", text))
    fake_twilio.fail_next(400)
    assert not asyncio.run(output.deliver("en"))
    assert [request.body["Body"] for request in fake_twilio.requests] == ["First."]


TWILIO_VARIABLES = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_NUMBER", "TWILIO_WEBHOOK_URL")


def _webhook_handler(channel: WhatsAppInput) -> Callable[..., Awaitable[Any]]:
    """The POST /webhook handler. Sanic's test client (sanic-testing) is not
    installed, so the handler is called directly; the end-to-end tests post to it."""
    (route,) = channel.blueprint(lambda _: asyncio.sleep(0))._future_routes
    return route.handler


def test_without_the_twilio_variables_the_webhook_answers_404(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for name in TWILIO_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    handler = _webhook_handler(WhatsAppInput.from_credentials(None))
    answer = asyncio.run(handler(SimpleNamespace()))  # reads nothing from the request
    assert answer.status == 404
    assert json.loads(answer.body) == {"error": "channel not configured"}


# --- the webhook on a real Sanic server, with a stand-in for Rasa ----------------------------------------

WEBHOOK_URL = "https://bot.example.org/webhooks/whatsapp/webhook"
SECRET_KEY = b"unit-test-key"
SENDER = conversation_id("whatsapp", "whatsapp:+59171234567", SECRET_KEY)


def post_form(fake_twilio: RecordingServer, agent: Agent, raw: bytes | None = None, **overrides: str) -> int:
    """Posts a signed Twilio form (the fields of `raw`, or Twilio's with `overrides`) to
    the webhook; returns the status."""
    config = TwilioConfig("AC123", "token", "whatsapp:+14155238886", WEBHOOK_URL, api_base=fake_twilio.url)
    body = urllib.parse.urlencode(twilio_form(**overrides)).encode() if raw is None else raw
    signature = twilio_signature("token", WEBHOOK_URL, form_fields(body).items())
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Connection": "close",
        "X-Twilio-Signature": signature,
    }

    async def scenario() -> int:
        async with serve(WhatsAppInput(config, SECRET_KEY), agent) as port:
            return (await exchange(port, "/webhooks/whatsapp/webhook", headers, body=body))[0]

    return asyncio.run(scenario())


def sent(fake_twilio: RecordingServer) -> list[str]:
    return [request.body["Body"] for request in fake_twilio.requests]


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("/restart", "restart"),
        (" /restart", "restart"),
        ("\n/greet", "greet"),
        ("\x00/restart", "restart"),
        ("//restart", "restart"),
        ('/inform{"passport_number": "X1"}', 'inform{"passport_number": "X1"}'),
    ],
)
def test_typed_text_never_reaches_rasa_as_an_intent_payload(
    fake_twilio: RecordingServer, body: str, text: str
) -> None:
    agent = Agent(intent_event("greet"), replies=("Hola.",))
    assert post_form(fake_twilio, agent, Body=body) == 200
    assert [message.text for message in agent.rasa.received] == [text]


def test_a_numbered_choice_still_sends_the_buttons_payload(fake_twilio: RecordingServer) -> None:
    agent = Agent(intent_event("deny"), replies=("Bien.",))
    buttons = [{"title": "Sí", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    tracker = DialogueStateTracker.from_events(
        SENDER, [BotUttered("¿Es correcto?", {"buttons": buttons})], slots=DOMAIN.slots
    )
    asyncio.run(agent.tracker_store.save(tracker))
    post_form(fake_twilio, agent, Body="2")
    assert [message.text for message in agent.rasa.received] == ["/deny"]


@pytest.mark.parametrize("body", ["no, 3 de mayo", "No, 3 de mayo."])
def test_a_typed_title_reaches_rasa_as_typed_and_means_its_button_there(
    fake_twilio: RecordingServer, body: str
) -> None:
    agent = Agent(intent_event("deny"), replies=("Bien.",))
    buttons = [
        {"title": "Sí, 5 de marzo", "payload": "/affirm"},
        {"title": "No, 3 de mayo", "payload": "/deny"},
    ]
    tracker = DialogueStateTracker.from_events(
        SENDER, [BotUttered("¿Es correcto?", {"buttons": buttons})], slots=DOMAIN.slots
    )
    asyncio.run(agent.tracker_store.save(tracker))
    post_form(fake_twilio, agent, Body=body)
    (message,) = agent.rasa.received
    assert message.text == body
    # What Rasa's parse then does with it (bot.typed_buttons, installed in the Rasa server).
    assert pressed_button(message.text, offered_buttons(tracker)) == "/deny"


def test_the_text_reaches_rasa_cleaned_with_only_the_guessed_language(fake_twilio: RecordingServer) -> None:
    agent = Agent(intent_event("greet"), replies=("Hola.",))
    post_form(fake_twilio, agent, Body="Hola\x00 Jose\u0301\x1b\r\n¿sí?\x85 🙂")
    (message,) = agent.rasa.received
    assert message.text == "Hola José\n¿sí? 🙂"
    assert (message.metadata, message.sender_id) == ({"language": "es"}, SENDER)
    assert sent(fake_twilio) == ["Hola."]


def test_an_encoded_lone_surrogate_reaches_rasa_as_replacement_characters(
    fake_twilio: RecordingServer,
) -> None:
    agent = Agent(intent_event("greet"), replies=("Hola.",))
    raw = urllib.parse.urlencode(twilio_form(Body=None)).encode() + b"&Body=Hola%ED%A0%80"
    assert post_form(fake_twilio, agent, raw=raw) == 200
    (message,) = agent.rasa.received
    assert message.text.startswith("Hola") and message.text.encode("utf-8")


def test_a_silent_turn_of_rasa_sends_no_apology(fake_twilio: RecordingServer) -> None:
    agent = Agent(intent_event("restart"), ActionExecuted("action_restart"), Restarted())
    assert post_form(fake_twilio, agent, Body="empezar de nuevo") == 200
    assert len(agent.rasa.received) == 1 and sent(fake_twilio) == []


@pytest.mark.parametrize("error", [False, True], ids=["no reply", "Rasa failed"])
def test_a_turn_that_should_have_answered_sends_the_apology(
    fake_twilio: RecordingServer, error: bool
) -> None:
    agent = Agent(intent_event("greet"), ActionExecuted("action_greet"), error=error)
    assert post_form(fake_twilio, agent, Body="hola") == 200
    assert sent(fake_twilio) == [t("system.unavailable", "es")]


# --- a confirmation: its text with the link, then its PDF as a media message ----------------------------

PAGE = "https://courier.example.test/confirmation/AbC_12-xyz"
CONFIRMATION = {"number": "YH9X-NHPR", "page": PAGE, "pdf": PAGE + ".pdf", "token": "AbC_12-xyz"}


def confirmation_message(language: str) -> dict[str, Any]:
    """The confirmation as Rasa hands it to the output channel (BotUttered.message())."""
    text = t("confirmation.issued", language, number="YH9X-NHPR", link=PAGE, courier="DHL")
    return BotUttered(text, data={"buttons": None, "custom": {"confirmation": CONFIRMATION}}).message()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_confirmation_is_sent_with_its_pdf_as_a_media_message(
    fake_twilio: RecordingServer, language: str
) -> None:
    output = _output(fake_twilio)
    message = confirmation_message(language)
    asyncio.run(output.send_response("someone", dict(message)))
    asyncio.run(output.send_response("someone", {"text": t("confirmation.more", language)}))
    assert asyncio.run(output.deliver(language))
    text, media, more = (request.body for request in fake_twilio.requests)
    assert text == {"From": "whatsapp:+14155238886", "To": "whatsapp:+59171234567", "Body": message["text"]}
    assert media == {
        "From": "whatsapp:+14155238886",
        "To": "whatsapp:+59171234567",
        "Body": t("delivery.document_caption", language, number="YH9X-NHPR"),
        "MediaUrl": PAGE + ".pdf",
    }
    assert more["Body"] == t("confirmation.more", language) and "MediaUrl" not in more


def test_a_media_message_that_could_not_be_sent_stops_nothing(fake_twilio: RecordingServer) -> None:
    output = _output(fake_twilio)
    asyncio.run(output.send_custom_json("someone", {"confirmation": CONFIRMATION}))
    asyncio.run(output.send_text_message("someone", "Can I help you with anything else?"))
    fake_twilio.fail_next(400)  # e.g. Twilio refusing the MediaUrl
    assert asyncio.run(output.deliver("en"))
    assert [(request.body.get("MediaUrl"), request.body["Body"]) for request in fake_twilio.requests] == [
        (PAGE + ".pdf", t("delivery.document_caption", "en", number="YH9X-NHPR")),
        (None, "Can I help you with anything else?"),
    ]


@pytest.mark.parametrize(
    "custom",
    [{"data": "x"}, {"confirmation": {**CONFIRMATION, "pdf": "https://evil.example/x.pdf"}}],
    ids=["other custom JSON", "PDF elsewhere"],
)
def test_custom_json_that_is_no_confirmation_is_never_sent(
    fake_twilio: RecordingServer, custom: dict
) -> None:
    output = _output(fake_twilio)
    asyncio.run(output.send_response("someone", BotUttered("Hola.", data={"custom": custom}).message()))
    assert asyncio.run(output.deliver("es"))
    assert [request.body for request in fake_twilio.requests] == [
        {"From": "whatsapp:+14155238886", "To": "whatsapp:+59171234567", "Body": "Hola."}
    ]
