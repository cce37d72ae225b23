"""Fixtures for the action tests, in the style of Rasa's financial-demo.

A tracker state like the one Rasa sends to the action server is loaded from
fixtures/tracker.json, adjusted per test, and given to `rasa_sdk.Tracker.from_dict`;
the action runs with a CollectingDispatcher and the domain from domain.yml. The
services (settings, embassy profile, registry) point at a temporary SQLite database
and a small test profile, never at var/ or the shipped profile.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.services import Services, services
from bot.core.i18n import t
from bot.core.settings import PROJECT_ROOT
from tests.actions.support import APPLICANT

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PUBLIC_URL = "https://courier.example.test"

# Same structure as profiles/us-embassy-la-paz.yml; La Paz has two offices.
TEST_PROFILE: dict[str, Any] = {
    "id": "test-embassy",
    "name": {"en": "U.S. Embassy in Testland", "es": "Embajada de los Estados Unidos en Testlandia"},
    "official_page": {"en": "https://embassy.example.test/", "es": "https://embassy.example.test/es/"},
    "portal": {"name": "Test Visa Portal", "url": "https://portal.example.test/"},
    "contact": {
        "address": "1 Test Avenue, La Paz",
        "phone": "+591 2 000-0000",
        "email": "consular@embassy.example.test",
    },
    "courier": "DHL Express",
    "city_aliases": {"Potosí": ["Villa Imperial"]},
    "offices_are_samples": True,
    "offices": [
        {"id": "LPZ-01", "city": "La Paz", "name": "DHL Sopocachi", "address": "Av. 20 de Octubre 100"},
        {"id": "LPZ-02", "city": "La Paz", "name": "DHL Miraflores", "address": "Av. Busch 200"},
        {"id": "PTS-01", "city": "Potosí", "name": "DHL Potosí", "address": "Calle Bolívar 300"},
    ],
    "timezone": "America/La_Paz",
    "checklist": [
        {
            "id": "police_certificate",
            "en": "Police certificate",
            "es": "Certificado de antecedentes",
            "en_hint": "A record of your criminal history, or that there is none.",
            "es_hint": "Un registro de sus antecedentes penales, o de que no los tiene.",
            "source": "https://travel.state.gov/test-police",
        },
        {
            "id": "birth_certificate",
            "en": "Birth certificate",
            "es": "Certificado de nacimiento",
            "en_hint": "The civil record of your birth.",
            "es_hint": "El registro civil de su nacimiento.",
            "source": "https://travel.state.gov/test-birth",
        },
    ],
}


@dataclass
class Outcome:
    """What an action (or one validation method) sent and returned."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def texts(self) -> list[str]:
        return [message["text"] for message in self.messages]

    def buttons(self, index: int = -1) -> list[tuple[str, str]]:
        """(title, payload) of the buttons of message `index`."""
        return [(button["title"], button["payload"]) for button in self.messages[index]["buttons"]]

    @property
    def slots(self) -> dict[str, Any]:
        """The values the SlotSet events set (the last one wins)."""
        return {event["name"]: event["value"] for event in self.events if event["event"] == "slot"}


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def base_state() -> dict[str, Any]:
    return json.loads((FIXTURES / "tracker.json").read_text(encoding="utf-8"))


def _write_profile(directory: Path, overrides: dict[str, Any]) -> Path:
    path = directory / f"profile-{len(list(directory.glob('profile-*.yml')))}.yml"
    path.write_text(yaml.safe_dump({**TEST_PROFILE, **overrides}, allow_unicode=True), encoding="utf-8")
    return path


def _reset_services() -> None:
    if services.cache_info().currsize:
        services().registry.dispose()
    services.cache_clear()


@pytest.fixture(autouse=True)
def isolated_services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """The actions' services on a temporary database and the test profile."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data_dir / 'bot.sqlite3'}")
    monkeypatch.setenv("BOT_SECRET_KEY", "action-tests-secret")
    monkeypatch.setenv("PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("EMBASSY_PROFILE", str(_write_profile(tmp_path, {})))
    _reset_services()
    yield services()
    _reset_services()


@pytest.fixture
def public_url() -> str:
    """The PUBLIC_URL the actions are given."""
    return PUBLIC_URL


@pytest.fixture
def consular_contact() -> Callable[[str], str]:
    """The consular contact the actions give, in a language, from the test profile
    (whose web page is the official page)."""

    def contact(language: str) -> str:
        details = TEST_PROFILE["contact"]
        return "\n".join(
            [
                t("faq.contact", language, embassy=TEST_PROFILE["name"][language]),
                t("faq.contact_address", language, value=details["address"]),
                t("faq.contact_phone", language, value=details["phone"]),
                t("faq.contact_email", language, value=details["email"]),
                t("faq.contact_web", language, value=TEST_PROFILE["official_page"][language]),
            ]
        )

    return contact


@pytest.fixture
def use_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Services]:
    """Switches the services to the test profile with some top-level keys replaced."""

    def use(**overrides: Any) -> Services:
        monkeypatch.setenv("EMBASSY_PROFILE", str(_write_profile(tmp_path, overrides)))
        _reset_services()
        return services()

    return use


@pytest.fixture
def make_tracker(base_state: dict[str, Any]) -> Callable[..., Tracker]:
    """A tracker from the base fixture, with the latest user message and slots replaced.

    `form` and `requested_slot` put the conversation inside a form that asked for
    `requested_slot` before the message. `after_message` are raw events that came
    after the message (an action that ran since, and its events).

    `sender` replaces the conversation id (the sender_id).

    `slot_events` (even empty) make it the tracker Rasa's FormAction sends to the
    form's validation action or to an ask action: the events so far, then
    SlotSet(requested_slot), ActionExecuted(<form>) and these slot candidates, which
    are also applied to the slots. The latest action is then the form itself.
    """

    def make(
        *,
        text: str = "hello",
        intent: str = "greet",
        confidence: float = 0.95,
        entities: dict[str, str] | None = None,
        metadata: dict[str, Any] | None = None,
        slots: dict[str, Any] | None = None,
        form: str | None = None,
        requested_slot: str | None = None,
        after_message: list[dict[str, Any]] | None = None,
        slot_events: dict[str, Any] | None = None,
        sender: str | None = None,
    ) -> Tracker:
        state = copy.deepcopy(base_state)
        if sender is not None:
            state["sender_id"] = sender
        message = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [
                {"entity": entity, "value": value, "start": 0, "end": len(text), "extractor": "test"}
                for entity, value in (entities or {}).items()
            ],
            "metadata": metadata or {},
        }
        state["latest_message"] = message
        user_event = state["events"][-1]
        user_event.update(text=text, metadata=message["metadata"])
        user_event["parse_data"] = {key: message[key] for key in ("text", "intent", "entities")}
        state["slots"].update(slots or {}, requested_slot=requested_slot)
        events = state["events"]
        if form:
            state["active_loop"] = {"name": form}
            events.insert(-2, {"event": "active_loop", "timestamp": 1700000000.15, "name": form})
            if requested_slot:
                events.insert(-2, _slot_event("requested_slot", requested_slot, 1700000000.16))
        for event in after_message or []:
            events.append(event)
            if event["event"] == "action":
                state["latest_action_name"] = event["name"]
            elif event["event"] == "slot":
                state["slots"][event["name"]] = event["value"]
        if slot_events is not None:
            events.append(_slot_event("requested_slot", requested_slot, 1700000002.0))
            events.append({"event": "action", "timestamp": 1700000002.0, "name": form})
            state["latest_action_name"] = form
            for name, value in slot_events.items():
                events.append(_slot_event(name, value, 1700000002.0))
                state["slots"][name] = value
        return Tracker.from_dict(state)

    return make


def _slot_event(name: str, value: Any, timestamp: float) -> dict[str, Any]:
    return {"event": "slot", "timestamp": timestamp, "name": name, "value": value}


@pytest.fixture
def run(domain: dict[str, Any]) -> Callable[[Action, Tracker], Outcome]:
    """Runs an action the way the action server does."""

    def run_action(action: Action, tracker: Tracker) -> Outcome:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, domain))
        return Outcome(dispatcher.messages, list(events))

    return run_action


@pytest.fixture
def validate(domain: dict[str, Any]) -> Callable[[FormValidationAction, str, Any, Tracker], Outcome]:
    """Calls one `validate_<slot>` method of a form validation action."""

    def call(action: FormValidationAction, slot: str, value: Any, tracker: Tracker) -> Outcome:
        dispatcher = CollectingDispatcher()
        result = getattr(action, f"validate_{slot}")(value, dispatcher, tracker, domain)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return Outcome(dispatcher.messages, [SlotSet(name, value) for name, value in result.items()])

    return call


@pytest.fixture
def required(
    request: pytest.FixtureRequest, domain: dict[str, Any], make_tracker, form
) -> Callable[..., list[str]]:
    """The slots the test module's `form` fixture requires (of its module's FORM) with
    these slots set."""

    def required_for(**slots: Any) -> list[str]:
        return asyncio.run(
            form.required_slots(
                domain["forms"][request.module.FORM]["required_slots"],
                CollectingDispatcher(),
                make_tracker(slots=slots),
                domain,
            )
        )

    return required_for


@pytest.fixture
def registration(isolated_services: Services):
    """APPLICANT's registration, saved in the test's registry."""
    registration, _ = isolated_services.registry.register(APPLICANT)
    return registration


SENDER = "test-sender"


@pytest.fixture
def proof_for(isolated_services) -> Callable[..., str]:
    """The registration_id slot value that proves `registration_id` to a conversation
    (by default the fixture tracker's)."""

    def sign(registration_id: int | str, sender: str = SENDER) -> str:
        return isolated_services.proof.sign(int(registration_id), sender)

    return sign
