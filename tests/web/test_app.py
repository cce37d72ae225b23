"""The app put together (bot/web/app.py): the relay's limits read at start, its session to
Rasa, the database down at start or for a while, and main()."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from html import escape
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.core.i18n import t
from bot.core.registry import Registry
from bot.core.settings import load_settings
from bot.launcher import free_port
from bot.web import app as app_module
from bot.web import relay as relay_module
from bot.web.app import create_app
from bot.web.security import RouteAccessLogger
from tests.web.support import Scenario, assert_security_headers, eventually, issue, start_app


def test_pool_to_rasa_is_as_large_as_the_relay(serve, monkeypatch):
    monkeypatch.setenv("WEB_MAX_SOCKETS", "321")

    async def scenario(client: TestClient) -> None:
        assert client.server.app[relay_module.HTTP].connector.limit == 321

    serve(scenario)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_MAX_SOCKETS_PER_CLIENT", "0"),
        ("WEB_MAX_SOCKETS_PER_CLIENT", "many"),
        ("WEB_MAX_SOCKETS", "-1"),
        ("WEB_MAX_SOCKETS", "2.5"),
        ("WEB_SOCKET_IDLE_SECONDS", "nan"),
        ("WEB_SOCKET_IDLE_SECONDS", "inf"),
    ],
)
def test_bad_limit_is_refused_at_start(monkeypatch, settings, registry, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=f"{name} must be a positive number"):
        create_app(settings, registry)


# The database unavailable

CLOSED_POSTGRES_URL = "postgresql://nobody@127.0.0.1:1/test"


def assert_unavailable_page(response, html: str, language: str) -> None:
    assert response.status == 503
    assert response.headers["Retry-After"] == "60"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert_security_headers(response)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert f'<html lang="{language}">' in html
    assert escape(t("page.unavailable.body", language)) in html


def run_with_own_registry(monkeypatch, settings, scenario: Scenario) -> None:
    """Runs `scenario` against an app that builds its registry from `settings`."""
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")

    async def main() -> None:
        async with TestClient(await start_app(settings, None)) as client:
            await scenario(client)

    asyncio.run(main())


def test_app_starts_and_answers_while_the_database_is_down(monkeypatch, tmp_path, caplog):
    settings = load_settings(
        {"DATA_DIR": str(tmp_path), "BOT_SECRET_KEY": "test-secret", "DATABASE_URL": CLOSED_POSTGRES_URL}
    )
    token = "A" * 43

    async def scenario(client: TestClient) -> None:
        await eventually(lambda: any("tries again" in r.getMessage() for r in caplog.records))
        response = await client.get("/health")
        assert (response.status, await response.text()) == (200, "ok")
        for path, headers, language in [
            (f"/confirmation/{token}", {}, "en"),
            (f"/confirmation/{token}", {"Accept-Language": "es-BO,es;q=0.9"}, "es"),
            (f"/confirmation/{token}?lang=es", {}, "es"),
            (f"/confirmation/{token}.pdf", {}, "en"),
        ]:
            response = await client.get(path, headers=headers)
            assert_unavailable_page(response, await response.text(), language)

    with caplog.at_level(logging.INFO):
        run_with_own_registry(monkeypatch, settings, scenario)

    messages = [record.getMessage() for record in caplog.records]
    startup = [message for message in messages if "tries again" in message]
    assert startup == [
        (
            "the database is unavailable (psycopg2.OperationalError); "
            "the web app runs and tries again on each confirmation request"
        )
    ]
    assert not [message for message in messages if token[:10] in message]


def test_confirmation_opens_again_once_the_database_is_back(monkeypatch, tmp_path):
    path = tmp_path / "bot.sqlite3"
    writer = Registry(f"sqlite:///{path}", b"test-secret")
    confirmation = issue(writer, "es")
    writer.dispose()
    settings = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "BOT_SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{path}?timeout=0.05",
        }
    )
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")

    async def scenario(client: TestClient) -> None:
        url = f"/confirmation/{confirmation.token}"
        response = await client.get(url)
        assert_unavailable_page(response, await response.text(), "en")
        lock.execute("ROLLBACK")
        response = await client.get(url)
        assert response.status == 200
        assert confirmation.number in await response.text()
        assert (await client.get(url + ".pdf")).status == 200

    try:
        run_with_own_registry(monkeypatch, settings, scenario)
    finally:
        lock.close()


def test_main_uses_the_route_access_log(monkeypatch, tmp_path):
    calls: list[dict[str, Any]] = []
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/t.db")
    monkeypatch.setenv("WEB_PORT", "8123")
    monkeypatch.delenv("WEB_HOST", raising=False)
    monkeypatch.setattr(app_module.web, "run_app", lambda app, **options: calls.append(options))

    app_module.main()

    assert calls == [{"host": "127.0.0.1", "port": 8123, "access_log_class": RouteAccessLogger}]
