"""The pages (bot/web/pages.py): confirmation page and PDF, chat page, static files, health."""

from __future__ import annotations

import re
from html import escape

import pytest
from aiohttp.test_utils import TestClient

from bot.core.i18n import t
from bot.core.registry import Applicant
from bot.web import pages as pages_module
from bot.web.app import create_app
from tests.web.support import assert_security_headers, issue

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


def test_a_deleted_registrations_confirmation_is_not_found(serve, registry):
    confirmation = issue(registry, "en")
    kept = issue(registry, "es", passport="C7777777")
    assert registry.delete(Applicant("A1234567", "1985-03-05", "BOL"))

    async def scenario(client: TestClient) -> None:
        for path in (f"/confirmation/{confirmation.token}", f"/confirmation/{confirmation.token}.pdf"):
            response = await client.get(path)
            assert response.status == 404
            assert response.headers["Cache-Control"] == "no-store"
            html = await response.text()
            assert "Confirmation not found" in html
            assert confirmation.number not in html
        assert (await client.get(f"/confirmation/{kept.token}")).status == 200

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
        assert escape(t("page.chat.privacy", language)) in html
        for code in ("en", "es"):
            assert f'data-switched-{code}="{escape(t("language.switched", code))}"' in html
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts == [
            '<script src="/static/socket.io.min.js" defer>',
            '<script src="/static/chat.js" defer>',
        ]
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
        assert "$" not in html  # every template placeholder was filled

    serve(scenario)


@pytest.mark.parametrize(
    ("name", "content_type", "marker"),
    [
        ("chat.js", "text/javascript", "textContent"),
        ("chat.css", "text/css", ".log"),
        ("socket.io.min.js", "text/javascript", "Socket.IO v4."),
        ("favicon.svg", "image/svg+xml", "<svg"),
    ],
)
def test_static_assets(serve, name, content_type, marker):
    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/static/{name}")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith(content_type)
        assert marker in await response.text()

    serve(scenario)


def test_the_browsers_favicon_request_gets_the_icon(serve):
    async def scenario(client: TestClient) -> None:
        response = await client.get("/favicon.ico")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        assert (await response.text()).startswith("<svg")

    serve(scenario)


@pytest.mark.parametrize("path", ["/static/chat.html", "/static/..%2Fweb.py", "/static/socket.io.js"])
def test_other_static_paths_are_not_found(serve, path):
    async def scenario(client: TestClient) -> None:
        assert (await client.get(path)).status == 404

    serve(scenario)


def test_chat_script_never_parses_text_as_html(serve):
    async def scenario(client: TestClient) -> None:
        body = await (await client.get("/static/chat.js")).text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in body

    serve(scenario)


def test_missing_socket_io_client_is_named(monkeypatch, settings, registry, tmp_path):
    missing = tmp_path / "node_modules" / "socket.io.min.js"
    monkeypatch.setitem(pages_module.STATIC_ASSETS, "socket.io.min.js", (missing, "text/javascript"))
    with pytest.raises(RuntimeError, match=r"socket\.io\.min\.js is missing: run `npm ci`"):
        create_app(settings, registry)


def test_health(serve):
    async def scenario(client: TestClient) -> None:
        response = await client.get("/health")
        assert response.status == 200
        assert await response.text() == "ok"
        assert_security_headers(response)

    serve(scenario)
