"""Fixtures of the running stack, shared by tests/e2e and tests/security (a pytest
plugin, loaded by tests/conftest.py): the trained assistant (action server, Rasa
server, web app) started once per test session on free ports, with a throw-away
data directory, fake Twilio and Telegram APIs, and a REST chat client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.launcher import MODEL_PATH, Stack, free_ports, stack_environment
from tests.e2e.support import AUTH_TOKEN, Chat
from tests.fakes.recorder import RecordingServer
from tests.fakes.telegram import fake_bot_api, telegram_environment
from tests.fakes.whatsapp import message_resource, twilio_environment


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[RecordingServer]:
    """Twilio's Messages API: records what the WhatsApp channel sends."""
    server = RecordingServer(answer=message_resource).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[RecordingServer]:
    """Telegram's Bot API: records what the Telegram channel sends."""
    server = fake_bot_api()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    fake_twilio: RecordingServer,
    fake_telegram: RecordingServer,
) -> Iterator[Stack]:
    if not MODEL_PATH.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    data_dir = tmp_path_factory.mktemp("data")
    web_port, rasa_port, actions_port = free_ports(3)
    env = stack_environment(
        {
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'e2e.sqlite3'}",
            "RASA_PORT": str(rasa_port),
            "ACTIONS_PORT": str(actions_port),
            "WEB_PORT": str(web_port),
            "PUBLIC_URL": f"http://127.0.0.1:{web_port}",
            "RASA_AUTH_TOKEN": AUTH_TOKEN,
            **telegram_environment(fake_telegram.url),
            **twilio_environment(fake_twilio.url, rasa_port),
        }
    )
    running = Stack(env)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def chat(stack: Stack) -> Chat:
    return Chat(stack)
