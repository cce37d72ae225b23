"""The log redaction net: what it removes, what it keeps, and that it catches records
of any logger, their tracebacks and Python warnings."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from bot.core.log_privacy import REDACTED, install_redaction, redact

PASSPORT = "S4815162"


@pytest.mark.parametrize(
    "line",
    [
        f"Failed to parse arguments in line '/my passport is {PASSPORT} born 26/08/1990'.",
        f"parse_data_text: {PASSPORT}",
        "born 1990-08-26",
        "born 26.08.1990",
        "nací el 26 de agosto de 1990",
        "born August 26, 1990",
        f'{{"slots": {{"passport_number": "{PASSPORT}", "date_of_birth": "1990-08-26"}}}}',
        "{'text': 'me llamo Ana y mi pasaporte es el AB12345', 'intent': 'inform'}",
        (
            "Failed to parse arguments in line '/me llamo Ana 26/08/1990'. Expected the intent to be one of "
            "[['affirm']] but found me llamo Ana 26/08/1990.Continuing with given line as user text."
        ),
    ],
)
def test_personal_data_is_redacted(line: str) -> None:
    redacted = redact(line)
    assert REDACTED in redacted
    for secret in (PASSPORT, "26/08/1990", "1990", "agosto", "AB12345", "me llamo"):
        assert secret not in redacted


def test_tokens_in_urls_and_confirmation_links_are_redacted() -> None:
    line = "Exception occurred while handling uri: 'http://h/conversations/x/tracker?token=abcDEF-123&x=1'"
    assert "abcDEF-123" not in redact(line)
    assert "x=1" in redact(line)
    assert "q7GmZ_k2" not in redact("GET /confirmation/q7GmZ_k2xYz 200")


@pytest.mark.parametrize(
    "line",
    [
        "Starting the action server on 127.0.0.1:5055",
        "Sending a message failed with HTTP 503 (attempt 2).",
        "An action failed: ValueError",
        "Rasa 3.6.21 loaded bot.tar.gz",
    ],
)
def test_ordinary_lines_are_kept(line: str) -> None:
    assert redact(line) == line


def test_every_logger_and_traceback_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction()
    logger = logging.getLogger("some.library.deep.inside")
    with caplog.at_level(logging.INFO):
        logger.info("user said %s", f"/inform passport {PASSPORT}")
        try:
            raise ValueError(f"invalid passport {PASSPORT} or date 1990-08-26")
        except ValueError:
            logger.exception("action failed")
    text = caplog.text
    assert "action failed" in text and "ValueError" in text
    assert PASSPORT not in text and "1990-08-26" not in text


def test_warnings_go_through_the_redacting_log() -> None:
    """In a process of its own: pytest replaces the warnings machinery in its own."""
    script = (
        "import logging, warnings\n"
        "from bot.core.log_privacy import install_redaction\n"
        "install_redaction()\n"
        "logging.basicConfig(level=logging.INFO)\n"
        f"warnings.warn(\"Failed to parse arguments in line '/born 26/08/1990 {PASSPORT}'\")\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "Failed to parse" in done.stderr
    assert PASSPORT not in done.stderr and "26/08/1990" not in done.stderr
