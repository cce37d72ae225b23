"""The web app, served for real by aiohttp's test server (no pytest plugin needed)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import web as web_module
from bot.i18n import t
from bot.registry import Applicant, Confirmation, Registry
from bot.settings import load_settings
from bot.web import RouteAccessLogger, create_app

Scenario = Callable[[TestClient], Awaitable[None]]


@pytest.fixture
def settings(tmp_path):
    return load_settings({"DATA_DIR": str(tmp_path), "BOT_SECRET_KEY": "test-secret"})


@pytest.fixture
def registry(tmp_path):
    registry = Registry(f"sqlite:///{tmp_path}/t.db", b"test-secret")
    yield registry
    registry.dispose()


def issue(registry: Registry, language: str, passport: str = "A1234567") -> Confirmation:
    registration, _ = registry.register(Applicant(passport, "1985-03-05", "BOL"))
    return registry.issue_confirmation(registration.id, "PTS-01", language)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_app(settings, registry) -> TestServer:
    """The app on a started test server, with the access log main() uses."""
    server = TestServer(create_app(settings, registry))
    await server.start_server(access_log_class=RouteAccessLogger)
    return server


@pytest.fixture
def serve(settings, registry, monkeypatch):
    """Runs `scenario` against the app, with Rasa at `rasa_url` (default: nothing listening)."""

    def run(scenario: Scenario, rasa_url: str | None = None) -> None:
        monkeypatch.setenv("RASA_URL", rasa_url or f"http://127.0.0.1:{free_port()}")

        async def main() -> None:
            async with TestClient(await start_app(settings, registry)) as client:
                await scenario(client)

        asyncio.run(main())

    return run


class FakeRasa:
    """A stand-in for Rasa's REST channel that records what it receives."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        replies = [
            {"recipient_id": body["sender"], "text": "Hello"},
            {"recipient_id": body["sender"], "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        ]
        return web.json_response(replies, status=self.status)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        return app


@pytest.fixture
def serve_with_rasa(monkeypatch, settings, registry):
    """Like `serve`, with a FakeRasa listening on a free port."""

    def run(scenario: Scenario, rasa: FakeRasa) -> None:
        async def main() -> None:
            async with TestServer(rasa.app()) as rasa_server:
                monkeypatch.setenv("RASA_URL", str(rasa_server.make_url("")))
                async with TestClient(await start_app(settings, registry)) as client:
                    await scenario(client)

        asyncio.run(main())

    return run


def assert_security_headers(response) -> None:
    assert "default-src" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


# Confirmation pages


@pytest.mark.parametrize(
    ("issued_in", "query", "expected"),
    [("en", "", "en"), ("es", "", "es"), ("en", "?lang=es", "es"), ("es", "?lang=en", "en")],
)
def test_confirmation_page_in_its_language(serve, registry, issued_in, query, expected):
    confirmation = issue(registry, issued_in)

    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/confirmation/{confirmation.token}{query}")
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        html = await response.text()
        assert f'<html lang="{expected}">' in html
        for value in (
            confirmation.number,
            "*****567",
            "Bolivia",
            "Potosí",
            t("page.confirmation.issued_on", expected),
        ):
            assert value in html
        assert "A1234567" not in html

    serve(scenario)


def test_confirmation_page_headers(serve, registry):
    confirmation = issue(registry, "en")

    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/confirmation/{confirmation.token}")
        assert_security_headers(response)
        assert response.headers["Cache-Control"] == "no-store"
        policy = response.headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        html = await response.text()
        assert f'<style nonce="{nonce}">' in html
        assert f'<script nonce="{nonce}">' in html

    serve(scenario)


def test_confirmation_pdf(serve, registry):
    confirmation = issue(registry, "es")

    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/confirmation/{confirmation.token}.pdf")
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert (
            response.headers["Content-Disposition"]
            == f'inline; filename="confirmation-{confirmation.number}.pdf"'
        )
        assert response.headers["Cache-Control"] == "no-store"
        assert_security_headers(response)
        assert (await response.read()).startswith(b"%PDF-")

    serve(scenario)


@pytest.mark.parametrize(
    "path",
    [
        "/confirmation/" + "A" * 43,
        "/confirmation/" + "A" * 43 + ".pdf",
        "/confirmation/" + "A" * 5000,
        "/confirmation/" + "A" * 5000 + ".pdf",
        "/confirmation/..%2F..%2Fsecret.key",
        "/confirmation/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/confirmation/%3Cb%3E.pdf",
        "/confirmation/a/b/c",
        "/confirmation/",
    ],
)
def test_unknown_or_malformed_token_is_not_found(serve, registry, path):
    issue(registry, "en")

    async def scenario(client: TestClient) -> None:
        response = await client.get(path)
        assert response.status == 404
        assert response.headers["Cache-Control"] == "no-store"
        assert_security_headers(response)
        html = await response.text()
        assert "Confirmation not found" in html
        assert "<script>" not in html

    serve(scenario)


def test_not_found_page_follows_the_browser_language(serve):
    async def scenario(client: TestClient) -> None:
        response = await client.get(
            "/confirmation/" + "A" * 43, headers={"Accept-Language": "es-BO,es;q=0.9"}
        )
        assert response.status == 404
        assert "Confirmación no encontrada" in await response.text()

    serve(scenario)


# Chat page


@pytest.mark.parametrize(("path", "language", "other"), [("/", "en", "/es/"), ("/es/", "es", "/")])
def test_chat_page(serve, path, language, other):
    async def scenario(client: TestClient) -> None:
        response = await client.get(path)
        assert response.status == 200
        assert_security_headers(response)
        html = await response.text()
        assert f'<html lang="{language}">' in html
        assert 'role="log"' in html
        assert 'aria-live="polite"' in html
        assert f'<label for="message">{t("page.chat.input_label", language)}</label>' in html
        assert f'<button type="submit">{t("page.chat.send", language)}</button>' in html
        assert f'<a href="{other}"' in html
        assert "https://bo.usembassy.gov/" in html
        assert '<script src="/static/chat.js" defer></script>' in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert "$" not in html  # every template placeholder was filled

    serve(scenario)


def test_static_assets(serve):
    async def scenario(client: TestClient) -> None:
        script = await client.get("/static/chat.js")
        assert script.status == 200
        assert script.headers["Content-Type"].startswith("text/javascript")
        body = await script.text()
        assert "innerHTML" not in body
        assert "textContent" in body
        style = await client.get("/static/chat.css")
        assert style.headers["Content-Type"].startswith("text/css")
        assert (await client.get("/static/chat.html")).status == 404
        assert (await client.get("/static/..%2Fweb.py")).status == 404

    serve(scenario)


def test_health(serve):
    async def scenario(client: TestClient) -> None:
        response = await client.get("/health")
        assert response.status == 200
        assert await response.text() == "ok"
        assert_security_headers(response)

    serve(scenario)


# POST /chat


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ("[1, 2]", "body"),
        (json.dumps({"message": "hi"}), "sender"),
        (json.dumps({"sender": 42, "message": "hi"}), "sender"),
        (json.dumps({"sender": "a/b", "message": "hi"}), "sender"),
        (json.dumps({"sender": "a" * 65, "message": "hi"}), "sender"),
        (json.dumps({"sender": "abc"}), "message"),
        (json.dumps({"sender": "abc", "message": ["hi"]}), "message"),
        (json.dumps({"sender": "abc", "message": "x" * 10_001}), "message"),
        (json.dumps({"sender": "abc", "message": "hi", "metadata": "es"}), "metadata"),
        (
            json.dumps({"sender": "abc", "message": "hi", "metadata": {"language": "fr"}}),
            "metadata.language",
        ),
    ],
)
def test_chat_rejects_bad_bodies(serve, body, field):
    async def scenario(client: TestClient) -> None:
        response = await client.post("/chat", data=body, headers={"Content-Type": "application/json"})
        assert response.status == 400
        assert await response.json() == {
            "error": t("page.chat.invalid_request", "en"),
            "field": field,
        }

    serve(scenario)


def test_chat_error_is_in_the_requested_language(serve):
    async def scenario(client: TestClient) -> None:
        response = await client.post("/chat", json={"message": "hola", "metadata": {"language": "es"}})
        assert response.status == 400
        assert (await response.json())["error"] == t("page.chat.invalid_request", "es")

    serve(scenario)


def test_chat_accepts_the_longest_message(serve_with_rasa):
    rasa = FakeRasa()

    async def scenario(client: TestClient) -> None:
        response = await client.post("/chat", json={"sender": "abc", "message": "é" * 10_000})
        assert response.status == 200

    serve_with_rasa(scenario, rasa)
    assert rasa.received[0]["message"] == "é" * 10_000


def test_chat_passes_the_conversation_to_rasa(serve_with_rasa):
    rasa = FakeRasa()

    async def scenario(client: TestClient) -> None:
        response = await client.post(
            "/chat",
            json={"sender": "s_1-A", "message": "hola", "metadata": {"language": "es", "x": 1}},
        )
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert await response.json() == [
            {"recipient_id": "s_1-A", "text": "Hello"},
            {"recipient_id": "s_1-A", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        ]

    serve_with_rasa(scenario, rasa)
    assert rasa.received == [
        {"sender": "s_1-A", "message": "hola", "metadata": {"language": "es"}}
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_chat_with_rasa_down_is_unavailable_in_the_language(serve, language):
    async def scenario(client: TestClient) -> None:
        response = await client.post(
            "/chat", json={"sender": "abc", "message": "hi", "metadata": {"language": language}}
        )
        assert response.status == 503
        assert await response.json() == {"error": t("page.chat.unavailable", language)}

    serve(scenario)


def test_chat_with_rasa_failing_is_unavailable(serve_with_rasa):
    async def scenario(client: TestClient) -> None:
        response = await client.post("/chat", json={"sender": "abc", "message": "hi"})
        assert response.status == 503
        assert await response.json() == {"error": t("page.chat.unavailable", "en")}

    serve_with_rasa(scenario, FakeRasa(status=500))


# Logging


def test_log_has_route_names_but_no_token(serve, registry, caplog):
    confirmation = issue(registry, "en")

    async def scenario(client: TestClient) -> None:
        await client.get(f"/confirmation/{confirmation.token}")
        await client.get(f"/confirmation/{confirmation.token}.pdf")

    with caplog.at_level(logging.INFO):
        serve(scenario)

    messages = [record.getMessage() for record in caplog.records]
    assert [message for message in messages if message.startswith("GET confirmation 200 ")]
    assert [message for message in messages if message.startswith("GET confirmation_pdf 200 ")]
    assert not [message for message in messages if confirmation.token[:10] in message]


def test_main_uses_the_route_access_log(monkeypatch, tmp_path):
    calls: list[dict[str, Any]] = []
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/t.db")
    monkeypatch.setenv("WEB_PORT", "8123")
    monkeypatch.delenv("WEB_HOST", raising=False)
    monkeypatch.setattr(web_module.web, "run_app", lambda app, **options: calls.append(options))

    web_module.main()

    assert calls == [{"host": "127.0.0.1", "port": 8123, "access_log_class": RouteAccessLogger}]
