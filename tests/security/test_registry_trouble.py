"""Hole 5: database trouble got the wrong words. With the SQLite file locked, the
summary "yes" and the office "yes" answered "Sorry, I didn't understand that", a
retry did not complete, the confirmation page was a bare 500, and the web app did
not start with PostgreSQL down. Now: an apology that says nothing was lost, a retry
that completes, a proper error page, and a web app that starts anyway."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.core.i18n import t
from bot.launcher import PROJECT_ROOT, Stack, free_port, stack_environment
from tests.e2e.support import Chat, confirmation_from, expect, http, new_passport, start_as_new

PROBLEM_KEY = "system.registry_unavailable"


@contextmanager
def locked(database: Path) -> Iterator[None]:
    """Holds an exclusive lock on the SQLite file, as another writer would."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def _database(stack: Stack) -> Path:
    return Path(stack.settings.database_url.removeprefix("sqlite:///"))


def test_a_locked_database_gets_an_apology_and_the_retry_completes(stack: Stack) -> None:
    chat = Chat(stack, language="en")
    start_as_new(chat, "en")
    for answer in (new_passport(), "1966-07-08", "Bolivian"):
        chat.say(answer)
    expect(chat, "summary.ask", "en")
    with locked(_database(stack)):
        chat.say("yes")
        expect(chat, PROBLEM_KEY, "en")
        assert t("fallback.not_understood", "en") not in chat.text
    chat.say("yes")
    expect(chat, "registration.created", "en")
    expect(chat, "location.ask", "en")
    chat.say("Cochabamba")
    with locked(_database(stack)):
        chat.say("yes")
        expect(chat, PROBLEM_KEY, "en")
    chat.say("yes")
    number, link = confirmation_from(chat)
    with locked(_database(stack)):
        status, page, headers = http("GET", link)
        assert status == 503 and headers.get("Retry-After"), status
        assert "text/html" in headers["Content-Type"] and b"<html" in page.lower()
    status, page, _ = http("GET", link)
    assert status == 200 and number.encode() in page


def test_the_web_app_starts_with_the_database_down(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    env = stack_environment(
        {
            "DATA_DIR": str(tmp_path),
            "WEB_PORT": str(port),
            "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/test",
        }
    )
    log = open(tmp_path / "web.log", "wb")  # noqa: SIM115 - closed below
    web = subprocess.Popen(
        [sys.executable, "-m", "bot.web"], env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline and status != 200:
            time.sleep(0.5)
            assert web.poll() is None, (tmp_path / "web.log").read_text()
            try:
                status = http("GET", f"http://127.0.0.1:{port}/health")[0]
            except urllib.error.URLError:
                continue  # not listening yet
        assert status == 200
        status, page, _ = http("GET", f"http://127.0.0.1:{port}/confirmation/{'x' * 43}")
        assert status == 503 and b"<html" in page.lower()
        status, page, _ = http("GET", f"http://127.0.0.1:{port}/")
        assert status == 200
    finally:
        web.terminate()
        web.wait(timeout=20)
        log.close()
    assert "database" in (tmp_path / "web.log").read_text().lower()
