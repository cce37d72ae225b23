"""The deadline's calendar file at /confirmation/<token>.ics, and the page's link to it."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from aiohttp.test_utils import TestClient
from icalendar import Calendar

from bot.core.deadline import send_by, today_in
from bot.core.registry import Registry
from bot.launcher import free_port
from bot.web.pages import RETRY_AFTER_SECONDS
from tests.web.support import assert_security_headers, issue, start_app


def with_interview(registry, language: str, interview: date | None = None, passport: str = "A1234567"):
    confirmation = issue(registry, language, passport=passport)
    interview = interview or today_in("America/La_Paz") - timedelta(days=100)
    return registry.set_details(confirmation.registration_id, interview, ["passport", "other"])


def read_event(ics: bytes):
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    return event


def test_calendar_file_of_a_confirmation_with_an_interview_date(serve, registry, settings):
    confirmation = with_interview(registry, "es", date(2024, 2, 29))

    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/confirmation/{confirmation.token}.ics")
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert (
            response.headers["Content-Disposition"]
            == f'attachment; filename="deadline-{confirmation.number}.ics"'
        )
        assert response.headers["Cache-Control"] == "no-store"
        assert_security_headers(response)
        body = await response.read()
        event = read_event(body)
        assert event.decoded("DTSTART") == date(2025, 2, 28)
        assert str(event["SUMMARY"]) == "Enviar sus documentos de la 221(g)"
        page_url = f"{settings.public_url}/confirmation/{confirmation.token}"
        assert str(event["URL"]) == page_url
        assert page_url in str(event["DESCRIPTION"])
        assert confirmation.number in str(event["DESCRIPTION"])
        assert [alarm.decoded("TRIGGER") for alarm in event.walk("VALARM")] == [
            timedelta(days=-30),
            timedelta(days=-7),
        ]
        for personal in (b"A1234567", b"*****567", b"1985", b"BOL", b"Bolivia\\, Bolivia"):
            assert personal not in body

    serve(scenario)


def test_calendar_file_follows_a_language_override(serve, registry, settings):
    confirmation = with_interview(registry, "es")

    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/confirmation/{confirmation.token}.ics?lang=en")
        assert response.status == 200
        event = read_event(await response.read())
        assert str(event["SUMMARY"]) == "Send your 221(g) documents"
        assert str(event["URL"]) == f"{settings.public_url}/confirmation/{confirmation.token}?lang=en"
        assert event.decoded("DTSTART") == send_by(confirmation.interview_date)

    serve(scenario)


def test_no_interview_date_no_calendar_file(serve, registry):
    without_details = issue(registry, "en")
    documents_only = issue(registry, "es", passport="C7777777")
    registry.set_details(documents_only.registration_id, None, ["passport"])

    async def scenario(client: TestClient) -> None:
        for confirmation in (without_details, documents_only):
            response = await client.get(f"/confirmation/{confirmation.token}.ics")
            assert response.status == 404
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert response.headers["Cache-Control"] == "no-store"
            html = await response.text()
            assert "Confirmation not found" in html
            assert confirmation.number not in html
        # The pages themselves are there.
        assert (await client.get(f"/confirmation/{without_details.token}")).status == 200

    serve(scenario)


def test_unknown_or_malformed_token_has_no_calendar_file(serve, registry):
    with_interview(registry, "en")

    async def scenario(client: TestClient) -> None:
        for path in ("/confirmation/" + "A" * 43 + ".ics", "/confirmation/%3Cb%3E.ics", "/confirmation/.ics"):
            response = await client.get(path)
            assert response.status == 404, path
            assert "BEGIN:VCALENDAR" not in await response.text()

    serve(scenario)


def test_the_pages_calendar_link_opens_the_file(serve, registry):
    confirmation = with_interview(registry, "en")
    no_deadline = issue(registry, "en", passport="C7777777")

    async def scenario(client: TestClient) -> None:
        html = await (await client.get(f"/confirmation/{confirmation.token}")).text()
        assert f'<a href="{confirmation.token}.ics" download>' in html
        assert "Deadline to send your documents" in html
        # Relative to /confirmation/<token>, the link is /confirmation/<token>.ics.
        response = await client.get(f"/confirmation/{confirmation.token}.ics")
        assert response.status == 200
        html = await (await client.get(f"/confirmation/{no_deadline.token}")).text()
        assert ".ics" not in html

    serve(scenario)


def test_the_log_names_the_route_but_not_the_token(serve, registry, caplog):
    confirmation = with_interview(registry, "en")

    async def scenario(client: TestClient) -> None:
        assert (await client.get(f"/confirmation/{confirmation.token}.ics")).status == 200

    with caplog.at_level(logging.INFO):
        serve(scenario)

    messages = [record.getMessage() for record in caplog.records]
    assert [message for message in messages if message.startswith("GET confirmation_calendar 200 ")]
    assert not [message for message in messages if confirmation.token[:10] in message]
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_calendar_file_while_the_database_is_down(settings, monkeypatch):
    registry = Registry("postgresql://nobody@127.0.0.1:1/test", b"test-secret")
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")

    async def main() -> None:
        async with TestClient(await start_app(settings, registry)) as client:
            response = await client.get("/confirmation/" + "A" * 43 + ".ics")
            assert response.status == 503
            assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert response.headers["Cache-Control"] == "no-store"

    try:
        asyncio.run(main())
    finally:
        registry.dispose()
