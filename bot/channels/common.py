"""What the messaging channels (WhatsApp, Telegram) share.

- `conversation_id`: a keyed hash of the account (phone number, chat id), so that
  the tracker store never holds the number in the clear.
- `last_buttons` / `choose_button`: the buttons of the assistant's latest turn, read
  back from the tracker, and which of them a reply such as "2" or "opción 2" picks;
  `last_prompt` adds the text they came with.
- `conversation_language`: the language the conversation is in, for replies the
  channel writes itself (an apology, a note about media).
- `split_text`: long replies cut at sentence boundaries.
- `RecentIds`: the latest message ids seen, to drop a platform's re-deliveries.
- `post_with_retries`: an outbound API call that does not block the event loop and
  retries a failed send a bounded number of times with back-off.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import aiohttp

from bot.i18n import LANGUAGES
from bot.validation import fold

logger = logging.getLogger(__name__)

SEND_ATTEMPTS = 3
FIRST_BACKOFF_S = 0.5
SEND_TIMEOUT_S = 15.0


def conversation_id(channel: str, account: str, secret: bytes) -> str:
    """A stable id for one person on one channel that does not reveal the account."""
    digest = hmac.new(secret, f"{channel}:{account}".encode(), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:32]}"


async def _tracker(agent: Any, sender_id: str) -> Any:
    """The conversation's tracker, or None when there is none or it cannot be read:
    what the channels read from it (buttons, language) is never worth a failed reply."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    try:
        return await store.retrieve(sender_id)
    except Exception:  # noqa: BLE001 - any tracker store error means "unknown"
        logger.warning("Could not read the conversation.")
        return None


async def last_prompt(agent: Any, sender_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The text and buttons of the assistant's latest message with buttons in its
    latest turn; ("", []) once the person wrote."""
    tracker = await _tracker(agent, sender_id)
    if tracker is None:
        return "", []
    for event in reversed(tracker.events):
        if event.type_name == "user":
            return "", []
        if event.type_name == "bot":
            buttons = (event.data or {}).get("buttons") or []
            if buttons:
                return event.text or "", [button for button in buttons if isinstance(button, dict)]
    return "", []


async def last_buttons(agent: Any, sender_id: str) -> list[dict[str, Any]]:
    """The buttons the assistant sent in its latest turn (none once the person wrote)."""
    return (await last_prompt(agent, sender_id))[1]


async def conversation_language(agent: Any, sender_id: str) -> str | None:
    """The `language` slot of the conversation, None when unknown or unreadable."""
    tracker = await _tracker(agent, sender_id)
    language = tracker.get_slot("language") if tracker else None
    return language if language in LANGUAGES else None


class RecentIds:
    """The latest `size` ids seen (Twilio's MessageSid, Telegram's update_id)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def is_new(self, key: Hashable) -> bool:
        """True the first time `key` is seen (and remembers it), False after."""
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


_CHOICE = re.compile(r"^\s*(?:(?:opcion|option|opc|op|no|num|numero|number|#)\s*\.?\s*)?#?(\d{1,2})\s*[.)]?\s*$")


def choose_button(text: str, buttons: list[dict[str, Any]]) -> str | None:
    """The payload of the button a reply picks by number ("2", "2.", "opción 2") or
    by its exact title; None when the reply picks none."""
    if not buttons:
        return None
    folded = fold(text).strip()
    match = _CHOICE.match(folded)
    if match:
        index = int(match.group(1)) - 1
        if 0 <= index < len(buttons):
            return buttons[index].get("payload")
        return None
    for button in buttons:
        if fold(str(button.get("title", ""))).strip() == folded:
            return button.get("payload")
    return None


# Where a long text may be cut, best first: a line break, a sentence end, a space.
_BREAKS = (re.compile(r"\n\s*"), re.compile(r"(?<=[.!?…])\s+"), re.compile(r"\s+"))


def _cut_position(window: str, limit: int) -> int:
    """Where to cut a text whose first `limit` + 1 characters are `window`: the
    last break of the best kind in the second half, else exactly at `limit`."""
    for pattern in _BREAKS:
        starts = [match.start() for match in pattern.finditer(window) if match.start() > limit // 2]
        if starts:
            return starts[-1]
    return limit


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, in order, cut after a line or a
    sentence where possible, else at a space, else anywhere. Each piece keeps its
    own line breaks, so a numbered list stays a list."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_position(rest[: limit + 1], limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


async def post_with_retries(
    url: str,
    *,
    data: dict[str, str] | None = None,
    json: dict[str, Any] | None = None,
    auth: aiohttp.BasicAuth | None = None,
    what: str = "message",
    attempts: int = SEND_ATTEMPTS,
    first_backoff_s: float = FIRST_BACKOFF_S,
) -> dict[str, Any] | None:
    """POSTs to an outbound API; retries connection errors, 429 and 5xx with
    exponential back-off. Returns the decoded JSON answer, or None when every
    attempt failed or the API refused the request (4xx). Never logs the content."""
    timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_S)
    delay = first_backoff_s
    for attempt in range(1, attempts + 1):
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, data=data, json=json, auth=auth) as answer,
            ):
                if answer.status < 300:
                    try:
                        return await answer.json(content_type=None)
                    except ValueError:
                        return {}
                retryable = answer.status == 429 or answer.status >= 500
                logger.warning("Sending a %s failed with HTTP %s (attempt %s).", what, answer.status, attempt)
                if not retryable:
                    return None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning("Sending a %s failed: %s (attempt %s).", what, type(error).__name__, attempt)
        if attempt < attempts:
            await asyncio.sleep(delay)
            delay *= 2
    logger.error("Gave up sending a %s after %s attempts.", what, attempts)
    return None
