"""The web app's fixtures: settings and a registry in a temporary directory, and the app
served for real by aiohttp's test server (no pytest plugin needed)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.core.registry import Registry
from bot.core.settings import load_settings
from bot.launcher import free_port
from tests.web.support import FakeSocketServer, Scenario, start_app


@pytest.fixture
def settings(tmp_path):
    return load_settings({"DATA_DIR": str(tmp_path), "BOT_SECRET_KEY": "test-secret"})


@pytest.fixture
def registry(tmp_path):
    registry = Registry(f"sqlite:///{tmp_path}/t.db", b"test-secret")
    yield registry
    registry.dispose()


@pytest.fixture
def serve(settings, registry, monkeypatch):
    """Runs `scenario` against the app, with nothing listening where Rasa should be."""

    def run(scenario: Scenario) -> None:
        monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")

        async def main() -> None:
            async with TestClient(await start_app(settings, registry)) as client:
                await scenario(client)

        asyncio.run(main())

    return run


@pytest.fixture
def serve_with_rasa(monkeypatch, settings, registry):
    """Like `serve`, with a FakeSocketServer listening on a free port as Rasa."""

    def run(scenario: Callable[[TestClient, FakeSocketServer], Awaitable[None]]) -> FakeSocketServer:
        rasa = FakeSocketServer()

        async def main() -> None:
            async with TestServer(rasa.app()) as rasa_server:
                monkeypatch.setenv("RASA_URL", str(rasa_server.make_url("")))
                async with TestClient(await start_app(settings, registry)) as client:
                    await scenario(client, rasa)

        asyncio.run(main())
        return rasa

    return run
