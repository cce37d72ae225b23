"""The limit on failed lookups (per passport, per conversation, expiring) and the
proof that binds a registration id to one conversation."""

from __future__ import annotations

import pytest

from bot.core.lookup_limits import (
    FailureStore,
    LookupLimiter,
    LookupLimits,
    MemoryFailureStore,
    RegistrationProof,
)

SECRET = b"lookup-limits-test-secret"
PASSPORT = "A1234567"
HOUR = 3600.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limiter(clock) -> LookupLimiter:
    return LookupLimiter(
        SECRET, LookupLimits(per_passport=5, per_conversation=5, window_seconds=HOUR), clock=clock
    )


def fail(limiter: LookupLimiter, times: int, passport: str = PASSPORT, conversation: str = "c1") -> None:
    for _ in range(times):
        assert limiter.allows(passport, conversation)
        limiter.record_failure(passport, conversation)


# --- the limits --------------------------------------------------------------------


def test_five_failed_lookups_of_a_passport_are_allowed_and_the_sixth_is_not(limiter):
    fail(limiter, 5)

    assert not limiter.allows(PASSPORT, "c1")


def test_the_passport_limit_holds_across_conversations(limiter):
    for conversation in ("c1", "c2", "c3", "c4", "c5"):
        fail(limiter, 1, conversation=conversation)

    assert not limiter.allows(PASSPORT, "a-fresh-conversation")
    assert limiter.allows("B7654321", "a-fresh-conversation")


def test_the_conversation_limit_holds_across_passports(limiter):
    for passport in ("A1111111", "A2222222", "A3333333", "A4444444", "A5555555"):
        fail(limiter, 1, passport=passport)

    assert not limiter.allows("A6666666", "c1")
    assert limiter.allows("A6666666", "c2")


def test_someone_who_mistypes_twice_gets_through_on_the_third_try(limiter):
    fail(limiter, 2)

    assert limiter.allows(PASSPORT, "c1")


def test_failures_expire_after_the_window(limiter, clock):
    fail(limiter, 5)
    clock.advance(HOUR - 1)
    assert not limiter.allows(PASSPORT, "c1")

    clock.advance(1)

    assert limiter.allows(PASSPORT, "c1")


def test_the_window_slides_one_failure_at_a_time(limiter, clock):
    fail(limiter, 1)
    clock.advance(HOUR / 2)
    fail(limiter, 4)
    assert not limiter.allows(PASSPORT, "c1")

    clock.advance(HOUR / 2)  # only the first failure has expired

    assert limiter.allows(PASSPORT, "c1")
    limiter.record_failure(PASSPORT, "c1")
    assert not limiter.allows(PASSPORT, "c1")


def test_a_success_is_not_counted_and_resets_nothing(limiter):
    fail(limiter, 4)
    for _ in range(10):
        assert limiter.allows(PASSPORT, "c1")  # lookups that matched record nothing

    limiter.record_failure(PASSPORT, "c1")

    assert not limiter.allows(PASSPORT, "c1")


def test_new_registrations_are_limited_with_the_failed_lookups(limiter):
    fail(limiter, 3)
    limiter.record_registration(PASSPORT, "c2")
    assert limiter.allows_registration(PASSPORT, "c3")

    limiter.record_registration(PASSPORT, "c3")

    assert not limiter.allows_registration(PASSPORT, "c4")


def test_registrations_alone_are_limited_per_passport_and_per_conversation(limiter):
    for number in range(5):
        limiter.record_registration(PASSPORT, f"c{number}")
        limiter.record_registration(f"A000000{number}", "one-conversation")

    assert not limiter.allows_registration(PASSPORT, "a-fresh-conversation")
    assert not limiter.allows_registration("B7654321", "one-conversation")
    assert limiter.allows_registration("B7654321", "a-fresh-conversation")


def test_registrations_do_not_use_up_the_lookups(limiter):
    # Otherwise the number of lookups before a refusal would show that the passport
    # was registered in the last hour.
    limiter.record_registration(PASSPORT, "c0")
    fail(limiter, 5, conversation="c1")

    assert not limiter.allows(PASSPORT, "c1")


# --- what is stored ------------------------------------------------------------------


def test_no_raw_passport_number_or_conversation_id_is_a_key(limiter):
    fail(limiter, 3, passport=PASSPORT, conversation="whatsapp-conversation-42")

    limiter.record_registration(PASSPORT, "whatsapp-conversation-42")

    keys = limiter.store.keys()
    assert len(keys) == 4
    for key in keys:
        assert PASSPORT not in key and PASSPORT.lower() not in key
        assert "whatsapp-conversation-42" not in key
        assert len(key.rsplit(":", 1)[1]) == 64  # an HMAC-SHA256, in hex


def test_the_keys_depend_on_the_secret(clock):
    first, second = LookupLimiter(SECRET, clock=clock), LookupLimiter(b"another-secret", clock=clock)
    first.record_failure(PASSPORT, "c1")
    second.record_failure(PASSPORT, "c1")

    assert set(first.store.keys()).isdisjoint(second.store.keys())


def test_expired_entries_are_dropped(clock):
    store = MemoryFailureStore(window_seconds=HOUR, clock=clock)
    store.record_failure("old")
    clock.advance(HOUR)

    store.record_failure("new")

    assert store.keys() == ["new"]
    assert store.failures("old") == 0


def test_the_store_is_bounded(clock):
    store = MemoryFailureStore(window_seconds=HOUR, max_keys=3, max_per_key=2, clock=clock)
    for key in ("a", "b", "c", "d"):
        clock.advance(1)
        store.record_failure(key)
    for _ in range(5):
        store.record_failure("d")

    assert len(store) == 3
    assert store.keys() == ["b", "c", "d"]  # the key with the oldest latest failure went first
    assert store.failures("d") == 2


def test_a_store_of_ones_own_can_be_plugged_in(clock):
    class DictStore:
        def __init__(self) -> None:
            self.counts: dict[str, int] = {}

        def failures(self, key: str) -> int:
            return self.counts.get(key, 0)

        def record_failure(self, key: str) -> None:
            self.counts[key] = self.counts.get(key, 0) + 1

    store: FailureStore = DictStore()
    limiter = LookupLimiter(SECRET, LookupLimits(per_passport=2, per_conversation=9), store=store)
    fail(limiter, 2)

    assert not limiter.allows(PASSPORT, "c9")
    assert sorted(store.counts.values()) == [2, 2]


# --- configuration -------------------------------------------------------------------


def test_limits_default_to_five_an_hour():
    limits = LookupLimits.from_env({})

    assert (limits.per_passport, limits.per_conversation, limits.window_seconds) == (5, 5, HOUR)


def test_limits_come_from_the_environment():
    limits = LookupLimits.from_env(
        {"LOOKUP_FAILURES_PER_PASSPORT": "3", "LOOKUP_FAILURES_PER_CONVERSATION": "4"}
    )

    # The window stays an hour: the refusal says "try again in an hour".
    assert (limits.per_passport, limits.per_conversation, limits.window_seconds) == (3, 4, HOUR)


@pytest.mark.parametrize("value", ["0", "-1", "five", "2.5"])
def test_a_bad_limit_in_the_environment_names_the_variable(value):
    with pytest.raises(ValueError, match="LOOKUP_FAILURES_PER_PASSPORT"):
        LookupLimits.from_env({"LOOKUP_FAILURES_PER_PASSPORT": value})


# --- the proof of a registration --------------------------------------------------------


@pytest.fixture
def proof() -> RegistrationProof:
    return RegistrationProof(SECRET)


def test_a_signed_id_verifies_in_its_own_conversation(proof):
    value = proof.sign(42, "conversation-a")

    assert value.startswith("42.")
    assert proof.verify(value, "conversation-a") == 42


@pytest.mark.parametrize(
    "value",
    [
        "42",
        "42.",
        "1",
        "",
        "42.deadbeef",
        "x.y",
        "042.{sig}",
        "43.{sig}",
        "42.{sig}x",
        "42.{sig_upper}",
        "٤٢.{sig}",
    ],
)
def test_anything_but_the_signed_value_is_no_proof(proof, value):
    signature = proof.sign(42, "conversation-a").split(".", 1)[1]

    forged = value.format(sig=signature, sig_upper=signature.upper())

    assert proof.verify(forged, "conversation-a") is None


def test_a_value_signed_for_another_conversation_is_no_proof(proof):
    assert proof.verify(proof.sign(42, "conversation-a"), "conversation-b") is None


@pytest.mark.parametrize("value", [None, 42, 4.2, ["42"], {"id": 42}])
def test_a_value_that_is_not_text_is_no_proof(proof, value):
    assert proof.verify(value, "conversation-a") is None


def test_the_proof_depends_on_the_secret(proof):
    assert (
        RegistrationProof(b"another-secret").verify(proof.sign(42, "conversation-a"), "conversation-a")
        is None
    )
