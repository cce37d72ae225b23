"""The shared, encrypted tracker store (bot.tracker_store.BotTrackerStore).

These tests use the real Redis and PostgreSQL of the machine (TEST_REDIS_URL,
TEST_POSTGRES_URL), each test under a key prefix or table of its own, removed
afterwards; they fail when a service is down.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import sqlalchemy
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import BotTrackerStore
from tests.test_tracker_store import DOMAIN, long_conversation, user_turns

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

SENDER = "whatsapp-59171234567"
PASSPORT = "X1234567"
MESSAGE = "my passport number is X1234567"
SECRETS = (PASSPORT, "1990-07-23", "23 July 1990", MESSAGE, "my passport number", SENDER, "59171234567")


@dataclass
class Backend:
    name: str
    url: str
    namespace: str
    data_dir: Path

    def env(self, secret: str = "one secret", **more: str) -> dict[str, str]:
        return {
            "TRACKER_STORE_URL": self.url,
            "BOT_SECRET_KEY": secret,
            "DATA_DIR": str(self.data_dir),
            **more,
        }

    def store(self, secret: str = "one secret", **kwargs: object) -> BotTrackerStore:
        env = self.env(secret, **{k: str(v) for k, v in kwargs.items() if k.isupper()})
        options = {k: v for k, v in kwargs.items() if not k.isupper()}
        return BotTrackerStore(DOMAIN, env=env, namespace=self.namespace, **options)

    def raw(self) -> dict[str, bytes]:
        """Every stored key and value, as the database holds them."""
        if self.name == "redis":
            client = redis.Redis.from_url(self.url)
            keys = client.keys(f"{self.namespace}:*")
            return {key.decode(): client.get(key) for key in keys}
        engine = sqlalchemy.create_engine(self.url, future=True)
        with engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text(f"SELECT key, data, expires_at::text FROM {self.namespace}")
            ).all()
        engine.dispose()
        return {row[0]: f"{row[1]} {row[2]}".encode() for row in rows}

    def sql(self, statement: str) -> None:
        engine = sqlalchemy.create_engine(self.url, future=True)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(statement))
        engine.dispose()


@pytest.fixture
def redis_backend(tmp_path: Path) -> Iterator[Backend]:
    backend = Backend("redis", REDIS_URL, f"test_tracker_{uuid.uuid4().hex[:12]}", tmp_path)
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    yield backend
    for key in client.scan_iter(match=f"{backend.namespace}:*"):
        client.delete(key)


@pytest.fixture
def postgres_backend(tmp_path: Path) -> Iterator[Backend]:
    backend = Backend("postgresql", POSTGRES_URL, f"test_tracker_{uuid.uuid4().hex[:12]}", tmp_path)
    yield backend
    backend.sql(f"DROP TABLE IF EXISTS {backend.namespace}")


@pytest.fixture(params=["redis", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    backend: Backend = request.getfixturevalue(f"{request.param}_backend")
    return backend


def personal_conversation() -> DialogueStateTracker:
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(MESSAGE, {"name": "inform", "confidence": 0.9}),
        SlotSet("passport_number", PASSPORT),
        ActionExecuted("applicant_form"),
        BotUttered("What is your date of birth?"),
        ActionExecuted("action_listen"),
        UserUttered("23 July 1990", {"name": "inform", "confidence": 0.9}),
        SlotSet("date_of_birth", "1990-07-23"),
        ActionExecuted("action_listen"),
    ]
    return DialogueStateTracker.from_events(SENDER, events, DOMAIN.slots)


def as_dicts(tracker: DialogueStateTracker | None) -> list[dict[str, object]]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


def test_a_second_server_reads_the_conversation(backend: Backend) -> None:
    original = personal_conversation()

    async def scenario() -> None:
        await backend.store().save(original)
        other = backend.store()
        assert as_dicts(await other.retrieve(SENDER)) == as_dicts(original)
        assert as_dicts(await other.retrieve_full_tracker(SENDER)) == as_dicts(original)
        assert await other.retrieve("someone else") is None

    asyncio.run(scenario())


def test_no_personal_data_or_sender_id_is_stored_in_the_clear(backend: Backend) -> None:
    store = backend.store()
    asyncio.run(store.save(personal_conversation()))
    raw = backend.raw()
    assert len(raw) == 1
    [(key, value)] = raw.items()
    assert SENDER not in key and key.endswith(store.storage_key(SENDER))
    for secret in SECRETS:
        assert secret.encode().lower() not in value.lower()
        assert secret.lower() not in key.lower()
    assert asyncio.run(store.keys()) == [store.storage_key(SENDER)]


def test_a_conversation_expires_after_the_idle_time(backend: Backend) -> None:
    async def scenario() -> None:
        store = backend.store(TRACKER_STORE_IDLE_MINUTES="0.002")  # 120 ms
        await store.save(personal_conversation())
        assert await store.retrieve(SENDER) is not None
        await asyncio.sleep(0.3)
        assert await store.retrieve(SENDER) is None

    asyncio.run(scenario())


def test_redis_sets_the_idle_time_on_every_save(redis_backend: Backend) -> None:
    store = redis_backend.store(TRACKER_STORE_IDLE_MINUTES="30")
    key = f"{redis_backend.namespace}:{store.storage_key(SENDER)}"
    client = redis.Redis.from_url(REDIS_URL)
    tracker = personal_conversation()
    asyncio.run(store.save(tracker))
    assert 1790 < client.ttl(key) <= 1800
    client.expire(key, 5)
    tracker.update(UserUttered("hola", {"name": "greet", "confidence": 0.9}))
    asyncio.run(store.save(tracker))
    assert 1790 < client.ttl(key) <= 1800


def test_the_default_idle_time_is_an_hour(redis_backend: Backend) -> None:
    store = redis_backend.store()
    asyncio.run(store.save(personal_conversation()))
    key = f"{redis_backend.namespace}:{store.storage_key(SENDER)}"
    assert 3590 < redis.Redis.from_url(REDIS_URL).ttl(key) <= 3600


def test_postgresql_ignores_and_then_deletes_expired_rows(postgres_backend: Backend) -> None:
    async def scenario() -> None:
        first = postgres_backend.store()
        await first.save(personal_conversation())
        postgres_backend.sql(
            f"UPDATE {postgres_backend.namespace} SET expires_at = now() - interval '1 second'"
        )
        assert await first.retrieve(SENDER) is None
        assert await first.keys() == []
        assert len(postgres_backend.raw()) == 1
        # Another server's first save sweeps the expired rows.
        second = postgres_backend.store()
        await second.save(DialogueStateTracker.from_events("someone else", [], DOMAIN.slots))
        assert list(postgres_backend.raw()) == [second.storage_key("someone else")]

    asyncio.run(scenario())


def test_postgresql_refreshes_the_idle_time_on_every_save(postgres_backend: Backend) -> None:
    async def scenario() -> None:
        store = postgres_backend.store(TRACKER_STORE_IDLE_MINUTES="30")
        await store.save(personal_conversation())
        postgres_backend.sql(
            f"UPDATE {postgres_backend.namespace} SET expires_at = now() + interval '5 seconds'"
        )
        await store.save(personal_conversation())
        engine = sqlalchemy.create_engine(postgres_backend.url, future=True)
        with engine.connect() as connection:
            left = connection.execute(
                sqlalchemy.text(
                    f"SELECT extract(epoch FROM expires_at - now()) FROM {postgres_backend.namespace}"
                )
            ).scalar_one()
        engine.dispose()
        assert 1790 < left <= 1800

    asyncio.run(scenario())


def test_the_table_is_made_on_first_use_not_at_start(postgres_backend: Backend) -> None:
    store = postgres_backend.store()
    with pytest.raises(sqlalchemy.exc.ProgrammingError):
        postgres_backend.raw()  # no table yet
    assert asyncio.run(store.retrieve(SENDER)) is None
    assert postgres_backend.raw() == {}


def test_a_database_that_is_down_does_not_stop_the_start(tmp_path: Path) -> None:
    env = {
        "TRACKER_STORE_URL": "postgresql://postgres@127.0.0.1:1/test",
        "BOT_SECRET_KEY": "one secret",
        "DATA_DIR": str(tmp_path),
    }
    store = BotTrackerStore(DOMAIN, env=env)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        asyncio.run(store.retrieve(SENDER))


def test_a_conversation_under_another_secret_reads_as_none(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        await backend.store("old secret").save(personal_conversation())
        store = backend.store("new secret")
        with caplog.at_level(logging.WARNING, logger="bot.tracker_store"):
            # The key is derived from the secret too: put the old blob under the new key.
            old_key = backend.store("old secret").storage_key(SENDER)
            new_key = store.storage_key(SENDER)
            if backend.name == "redis":
                redis.Redis.from_url(REDIS_URL).rename(
                    f"{backend.namespace}:{old_key}", f"{backend.namespace}:{new_key}"
                )
            else:
                backend.sql(f"UPDATE {backend.namespace} SET key = '{new_key}' WHERE key = '{old_key}'")
            assert await store.retrieve(SENDER) is None
            tracker = await store.get_or_create_tracker(SENDER)
        assert [type(event) for event in tracker.events] == [ActionExecuted]
        assert "could not be decrypted" in caplog.text
        for secret in SECRETS + (new_key, old_key):
            assert secret not in caplog.text

    asyncio.run(scenario())


def test_a_blob_copied_under_another_conversation_is_refused(backend: Backend) -> None:
    async def scenario() -> None:
        store = backend.store()
        await store.save(personal_conversation())
        [(key, _)] = backend.raw().items()
        stolen = store.storage_key("attacker")
        if backend.name == "redis":
            redis.Redis.from_url(REDIS_URL).copy(key, f"{backend.namespace}:{stolen}")
        else:
            backend.sql(
                f"INSERT INTO {backend.namespace} SELECT '{stolen}', data, expires_at "
                f"FROM {backend.namespace} WHERE key = '{key}'"
            )
        assert await store.retrieve("attacker") is None
        assert await store.retrieve(SENDER) is not None

    asyncio.run(scenario())


def test_shared_conversations_are_kept_to_their_last_turns(backend: Backend) -> None:
    original = long_conversation(40)

    async def scenario() -> DialogueStateTracker | None:
        await backend.store(max_turns=24, keep_turns=12).save(original)
        return await backend.store().retrieve(original.sender_id)

    kept = asyncio.run(scenario())
    assert kept is not None
    assert user_turns(original) == 42 and user_turns(kept) == 12
    assert kept.current_slot_values() == original.current_slot_values()
    assert kept.active_loop_name == "applicant_form"
    assert as_dicts(kept)[-12 * 7 :] == as_dicts(original)[-12 * 7 :]


@pytest.mark.parametrize("url", [None, "", "  "])
def test_without_a_url_conversations_stay_in_memory(url: str | None, tmp_path: Path) -> None:
    env = (
        {"DATA_DIR": str(tmp_path)} if url is None else {"TRACKER_STORE_URL": url, "DATA_DIR": str(tmp_path)}
    )
    store = BotTrackerStore(DOMAIN, env=env, max_turns=24, keep_turns=12)
    assert not store.shared
    original = long_conversation(40)

    async def scenario() -> DialogueStateTracker | None:
        await store.save(original)
        assert list(await store.keys()) == [original.sender_id]
        return await store.retrieve(original.sender_id)

    kept = asyncio.run(scenario())
    assert user_turns(kept) == 12
    assert list(store.store) == [original.sender_id]  # Rasa's in-memory dict
    assert not (tmp_path / "secret.key").exists()  # no secret needed


def test_the_process_environment_is_read_by_default(
    monkeypatch: pytest.MonkeyPatch, redis_backend: Backend
) -> None:
    for name, value in redis_backend.env().items():
        monkeypatch.setenv(name, value)
    assert BotTrackerStore(DOMAIN, namespace=redis_backend.namespace).shared
    monkeypatch.delenv("TRACKER_STORE_URL")
    assert not BotTrackerStore(DOMAIN).shared


@pytest.mark.parametrize(
    "url",
    [
        "mysql://admin:s3cr3t-pw@db.example/bot",
        "admin:s3cr3t-pw@db.example",
        "redis://admin:s3cr3t-pw@db.example:port",
        "postgresql://admin:s3cr3t-pw@db.example:port/bot",
        "postgresql+asyncpg://admin:s3cr3t-pw@db.example/bot",
    ],
)
def test_a_bad_url_is_refused_without_its_password(url: str, tmp_path: Path) -> None:
    env = {"TRACKER_STORE_URL": url, "BOT_SECRET_KEY": "one secret", "DATA_DIR": str(tmp_path)}
    with pytest.raises(ValueError, match="TRACKER_STORE_URL") as raised:
        BotTrackerStore(DOMAIN, env=env)
    assert "s3cr3t" not in str(raised.value)
    assert raised.value.__suppress_context__ or raised.value.__context__ is None


@pytest.mark.parametrize("minutes", ["0", "-5", "soon", "nan"])
def test_a_bad_idle_time_is_refused(minutes: str, redis_backend: Backend) -> None:
    with pytest.raises(ValueError, match="TRACKER_STORE_IDLE_MINUTES"):
        redis_backend.store(TRACKER_STORE_IDLE_MINUTES=minutes)


def test_rasa_builds_it_from_endpoints_yml(redis_backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import EndpointConfig

    for name, value in redis_backend.env().items():
        monkeypatch.setenv(name, value)
    store = TrackerStore.create(EndpointConfig(type="bot.tracker_store.BotTrackerStore"), DOMAIN)
    assert isinstance(store, BotTrackerStore) and store.shared
    asyncio.run(store.save(personal_conversation()))
    assert asyncio.run(store.retrieve(SENDER)) is not None
    # The default namespace: remove what this test stored there.
    redis.Redis.from_url(REDIS_URL).delete(f"bot_tracker:{store.storage_key(SENDER)}")
