"""The services stay off the event loop: their first build, every registry call and
every lookup-limiter call run in a worker thread, so that a slow database does not
stall the other conversations of the action server. With LOCK_STORE_URL set, the
lookup limits are counted in that Redis (the machine's real one here), shared by every
action server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from bot.actions import services as services_module
from bot.actions.applicant import ActionSaveRegistration, ValidateApplicantForm
from bot.actions.conversation import ActionGoodbye
from bot.actions.location import ActionIssueConfirmation
from bot.core.lookup_limits import MemoryFailureStore, RedisFailureStore
from bot.core.shared_store import redis_client
from tests.actions.support import APPLICANT
from tests.core.redis_support import REDIS_URL, redis_prefix

DETAILS = {"passport_number": "A1234567", "date_of_birth": "1985-03-05", "date_confirmed": True}
REGISTRY_METHODS = ("find", "register", "confirmation_for", "issue_confirmation")


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class ThreadLog:
    """Which calls ran, each with whether it ran in the event loop's thread."""

    def __init__(self) -> None:
        self.loop_thread = threading.get_ident()  # asyncio.run runs the loop here
        self.calls: list[tuple[str, bool]] = []

    def watch(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            on_loop = threading.get_ident() == self.loop_thread or _on_event_loop()
            self.calls.append((name, on_loop))
            return function(*args, **kwargs)

        return call

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.calls}

    @property
    def on_loop(self) -> list[str]:
        return [name for name, on_loop in self.calls if on_loop]


@pytest.fixture
def log(monkeypatch, isolated_services) -> ThreadLog:
    """Watches the registry's methods and the limiter's failure store."""
    log = ThreadLog()
    for method in REGISTRY_METHODS:
        real = getattr(isolated_services.registry, method)
        monkeypatch.setattr(isolated_services.registry, method, log.watch(f"registry.{method}", real))
    store = isolated_services.limiter.store
    for method in ("failures", "record_failure"):
        monkeypatch.setattr(store, method, log.watch(f"store.{method}", getattr(store, method)))
    return log


def test_a_lookup_asks_the_limiter_and_the_registry_off_the_event_loop(make_tracker, run, log):
    tracker = make_tracker(
        text="Bolivia",
        intent="inform",
        slots={"language": "en", "registered": True, **DETAILS},
        form="applicant_form",
        requested_slot="nationality",
        slot_events={"nationality": "Bolivia"},
    )

    outcome = run(ValidateApplicantForm(), tracker)

    assert outcome.slots["lookup_failed"] is True  # nothing registered: a failure was counted
    assert log.names == {"store.failures", "store.record_failure", "registry.find"}
    assert log.on_loop == []


def test_saving_asks_the_limiter_and_the_registry_off_the_event_loop(make_tracker, run, log):
    tracker = make_tracker(
        text="yes",
        intent="affirm",
        slots={"language": "en", "registered": False, **DETAILS, "nationality": "BOL"},
    )

    outcome = run(ActionSaveRegistration(), tracker)

    assert outcome.slots["has_confirmation"] is False  # created: a registration was counted
    assert log.names == {
        "store.failures",
        "store.record_failure",
        "registry.register",
        "registry.confirmation_for",
    }
    assert log.on_loop == []


def test_issuing_asks_the_registry_off_the_event_loop(make_tracker, run, log, isolated_services, proof_for):
    registration, _ = isolated_services.registry.register(APPLICANT)
    log.calls.clear()
    tracker = make_tracker(
        text="yes",
        intent="affirm",
        slots={
            "language": "en",
            "registration_id": proof_for(registration.id),
            "return_city": "Potosí",
            "return_location": "PTS-01",
            "location_confirmed": True,
        },
    )

    run(ActionIssueConfirmation(), tracker)

    assert {"registry.confirmation_for", "registry.issue_confirmation"} <= log.names
    assert log.on_loop == []


def test_the_services_are_first_built_off_the_event_loop(make_tracker, run, monkeypatch):
    log = ThreadLog()
    for name in ("load_settings", "load_profile", "Registry"):
        monkeypatch.setattr(services_module, name, log.watch(name, getattr(services_module, name)))
    services_module.services().registry.dispose()
    services_module.services.cache_clear()

    run(ActionGoodbye(), make_tracker(slots={"language": "en"}))

    assert log.names == {"load_settings", "load_profile", "Registry"}
    assert log.on_loop == []


@pytest.mark.parametrize("shared", [False, True], ids=["in memory", "LOCK_STORE_URL set"])
def test_the_lookup_limits_are_shared_through_the_lock_stores_redis_when_it_is_set(
    monkeypatch, isolated_services, shared: bool
):
    def fresh_services() -> services_module.Services:
        services_module.services().registry.dispose()
        services_module.services.cache_clear()
        return services_module.services()

    monkeypatch.setenv("LOCK_STORE_URL", REDIS_URL if shared else "")
    with redis_prefix() as prefix:
        one, two = fresh_services().limiter, fresh_services().limiter  # two action servers
        if shared:
            assert isinstance(one.store, RedisFailureStore)
            # The same stores, under this test's prefix.
            one.store, two.store = (
                RedisFailureStore(redis_client(REDIS_URL), one.limits.window_seconds, prefix=prefix)
                for _ in range(2)
            )
        else:
            assert isinstance(one.store, MemoryFailureStore)
        for _ in range(one.limits.per_passport):
            one.record_failure(DETAILS["passport_number"], "conversation-1")

        assert not one.allows(DETAILS["passport_number"], "conversation-2")
        assert two.allows(DETAILS["passport_number"], "conversation-2") is not shared
