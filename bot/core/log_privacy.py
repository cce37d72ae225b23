"""Keeps personal data out of every log line of our three processes.

Our own code never logs what people typed, but Rasa and Sanic do on some paths (a
message that starts with "/" is quoted whole in a warning; a failed request is
logged with its URL, API token included). `install_redaction()` wraps Python's
log-record factory, so every record of every logger, whatever handler or format
the process configures later, is redacted when it is created: its message, its
traceback and its stack.

What is replaced by "[redacted]": anything shaped like a passport number (5-20
letters and digits, two of them digits), a date (numeric or spelled out, and
years), quoted message texts and slot values of the identity fields in dumps,
`token=` in URLs and the token of confirmation links. This is a net under the
code, not a reason to log more: it cannot recognise free text in general.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

REDACTED = "[redacted]"

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "ene|abr|ago|dic"
)
_FIELDS = r"passport_number|date_of_birth|date_alternative|nationality|[a-z_]*text|message"

# Order matters: whole structures first, then the shapes inside free text.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Rasa's warnings about a message written like an intent payload quote its parts
    # (intent name, entities, the rest) all through: keep only what happened.
    (re.compile(r"(Failed to parse arguments in line ).*", re.DOTALL), rf"\1'{REDACTED}'."),
    # "text": "…" / 'passport_number': '…' in JSON or repr() dumps.
    (
        re.compile(rf"""(["']?\b(?:{_FIELDS})["']?\s*[:=]\s*)(["'])(?:\\.|(?!\2).)*\2""", re.DOTALL),
        rf"\1\2{REDACTED}\2",
    ),
    (re.compile(r"([?&](?:token|auth_token|access_token)=)[^&\s'\"]+", re.IGNORECASE), rf"\1{REDACTED}"),
    (re.compile(r"(/confirmation/)[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),
    # A payload-looking message quoted by Rasa: '/intent …' up to the closing quote.
    (re.compile(r"""(["'])/(?:(?!\1).)*\1""", re.DOTALL), rf"\1{REDACTED}\1"),
    (re.compile(r"\b\d{1,4}\s*[/-]\s*\d{1,2}\s*[/-]\s*\d{1,4}\b"), REDACTED),
    (re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b"), REDACTED),
    (re.compile(rf"\b\d{{1,2}}(?:\s+de)?\s+(?:{_MONTHS})\b\.?", re.IGNORECASE), REDACTED),
    (re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b", re.IGNORECASE), REDACTED),
    (re.compile(r"\b(?:19|20)\d{2}\b"), REDACTED),
    (re.compile(r"\b(?=(?:[A-Za-z]*\d){2})[A-Za-z0-9]{5,20}\b"), REDACTED),
)


def redact(text: str) -> str:
    """`text` with everything that may be personal data replaced by [redacted]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redacted_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not lose the record
        message = f"{record.msg} {record.args}"
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    request = getattr(record, "request", None)
    if isinstance(request, str):  # Sanic's access log
        record.request = redact(request)
    return record


_installed = False


def install_redaction() -> None:
    """Redacts every log record created from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    create = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _redacted_record(create(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    # Rasa reports some problems as Python warnings, quoting the message.
    logging.captureWarnings(True)
    _installed = True
