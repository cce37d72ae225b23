"""What every input channel shares: the one home for shared channel code.

Bounded webhook bodies, settings from the environment, cleaning a message, conversation
ids, what the tracker says (last prompt, language), the apology for a turn without a
reply, splitting and sending replies, the confirmation a reply carries. Dropping
re-deliveries and answering in order, in memory or in the Redis several servers
share, is bot.channels.shared_state.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.constants import USER_INTENT_BACK, USER_INTENT_RESTART, USER_INTENT_SESSION_START
from rasa.shared.core.events import Restarted, SessionStarted, UserUttered
from sanic import response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.shared_state import RedeliveryFilter, TurnQueue, channel_state
from bot.core.i18n import LANGUAGES, t
from bot.core.settings import load_settings
from bot.core.shared_store import shared_store_url
from bot.core.text import fold

if TYPE_CHECKING:
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# Rasa's callback that processes one message (`blueprint`'s argument).
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

# The body limit of a webhook, unless its channel declares `max_body_bytes`: a real
# request (a REST message, a Telegram Update) is a few kilobytes.
MAX_BODY_BYTES = 200_000
# Longer text is cut before NLU: no answer the assistant asks for is anywhere near
# this long, and the validators then explain what they expected.
MAX_MESSAGE_CHARS = 2_000
SEND_ATTEMPTS = 3
FIRST_BACKOFF_S = 0.5
SEND_TIMEOUT_S = 15.0
REMEMBERED_IDS = 1024


# --- settings from the environment ----------------------------------------------------------------------


class EnvConfig(Protocol):
    """The one style of a channel's settings: a frozen dataclass built by `from_env`,
    which returns None when the channel is not configured (it is then off)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self | None: ...


def required_env(env: Mapping[str, str], *names: str) -> list[str] | None:
    """The values of `names` (stripped), or None when any of them is unset or blank."""
    values = [env.get(name, "").strip() for name in names]
    return values if all(values) else None


def url_env(env: Mapping[str, str], name: str, default: str) -> str:
    """The base URL in `name` (default `default`), without a trailing "/"."""
    return (env.get(name) or default).strip().rstrip("/")


# --- the channels ---------------------------------------------------------------------------------------


def refusal(status: int, reason: str) -> HTTPResponse:
    """A webhook's JSON answer to a request it refuses."""
    return response.json({"error": reason}, status=status)


class WebhookInput(InputChannel):
    """An input channel whose webhook reads its own body (a `stream=True` route),
    never more than `max_body_bytes`."""

    max_body_bytes: ClassVar[int] = MAX_BODY_BYTES

    async def read_body(self, request: Request) -> bytes | None:
        """The body, or None when it is over `max_body_bytes`.

        A Content-Length over the limit is refused before a byte is read; a chunked
        body is read until it passes the limit. Sanic's own cap is lowered to the
        limit, so that neither our read nor Sanic's draining of an unread body after
        the answer goes further: it closes the connection instead."""
        limit = self.max_body_bytes
        stream = request.stream
        if stream is not None:
            stream.request_max_size = min(stream.request_max_size, limit)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return None
        try:
            await request.receive_body()
        except PayloadTooLarge:
            return None
        return request.body


ConfigT = TypeVar("ConfigT", bound=EnvConfig)


class MessagingInput(WebhookInput, Generic[ConfigT]):
    """A messaging platform's webhook (WhatsApp, Telegram). `config` is None when the
    platform's settings are not in the environment: the webhook then answers 404. A
    person is known by a keyed hash of their account, re-delivered messages are
    dropped (`seen`) and each person's turns run in order (`turns`): across servers
    when `shared_store` is the URL of their Redis, else in this process."""

    # How many message ids `seen` keeps when it is in memory.
    remembered_ids: ClassVar[int] = REMEMBERED_IDS

    def __init__(self, config: ConfigT | None, secret_key: bytes, shared_store: str | None = None) -> None:
        self.config = config
        self.secret_key = secret_key
        self.seen: RedeliveryFilter
        self.turns: TurnQueue
        self.seen, self.turns = channel_state(self.name(), self.remembered_ids, secret_key, shared_store)

    @classmethod
    def from_config(cls, config: ConfigT | None) -> Self:
        """The channel as Rasa starts it. Its settings come from the environment,
        never from credentials.yml, so that no secret is ever committed; so does the
        shared Redis (LOCK_STORE_URL), when there is one."""
        if config is None:
            logger.info(
                "The %s channel is off: its environment variables are not set (see the README).", cls.name()
            )
            return cls(None, load_settings().secret_key)
        shared_store = shared_store_url()
        if shared_store is not None:
            logger.info("The %s channel shares its state with the other servers through Redis.", cls.name())
        return cls(config, load_settings().secret_key, shared_store)

    def sender_id(self, account: str) -> str:
        """The conversation id of `account` (a phone number, a chat id)."""
        return conversation_id(self.name(), account, self.secret_key)


# --- cleaning a message ---------------------------------------------------------------------------------

# Removed from message text: C0 and C1 control characters except tab and line feed,
# surrogates (a lone one cannot be encoded and crashes the sentence encoder) and
# Unicode's 66 non-characters.
_UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
    + "]"
)


def clean_message(text: Any, metadata: Any) -> tuple[str, dict[str, str]]:
    """The text and metadata of an incoming message as Rasa may store and read them.

    Text: line breaks as "\\n", without control characters (tab and line feed
    stay), surrogates or non-characters, NFC-normalised, at most MAX_MESSAGE_CHARS
    characters; anything but a string is "". Metadata: only what the assistant reads,
    `language` when it is one of ours; every other key is dropped, whatever it holds."""
    cleaned = ""
    if isinstance(text, str):
        cleaned = _UNSAFE_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
        cleaned = unicodedata.normalize("NFC", cleaned)[:MAX_MESSAGE_CHARS]
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return cleaned, {"language": language} if isinstance(language, str) and language in LANGUAGES else {}


def typed_text(text: str) -> str:
    """`text` without the leading "/" (and the spaces around it) that would make Rasa
    read it as an intent payload ("/restart", "/inform{...}"). For channels where
    only our buttons may send payloads; apply it to text that `clean_message` cleaned."""
    rest = text.lstrip()
    while rest.startswith("/"):
        rest = rest[1:].lstrip()
    return rest


def conversation_id(channel: str, account: str, secret: bytes) -> str:
    """A stable id for one person on one channel that does not reveal the account."""
    digest = hmac.new(secret, f"{channel}:{account}".encode(), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:32]}"


# --- what the tracker says ------------------------------------------------------------------------------


async def stored_tracker(agent: Any, sender_id: str) -> Any:
    """The conversation's tracker, or None when there is none or it cannot be read:
    what the channels read from it (buttons, language, replies already given) is never
    worth a failed reply."""
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
    tracker = await stored_tracker(agent, sender_id)
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
    tracker = await stored_tracker(agent, sender_id)
    language = tracker.get_slot("language") if tracker else None
    return language if language in LANGUAGES else None


_CHOICE = re.compile(
    r"^\s*(?:(?:opcion|option|opc|op|no|num|numero|number|#)\s*\.?\s*)?#?(\d{1,2})\s*[.)]?\s*$"
)


def choose_button(text: str, buttons: list[dict[str, Any]]) -> str | None:
    """The payload of the button a reply picks by its number in a numbered list ("2",
    "2.", "opción 2"); None when the reply picks none. A typed title is read below
    the channels, for all of them (bot.typed_buttons)."""
    match = _CHOICE.match(fold(text).strip()) if buttons else None
    if match is None:
        return None
    index = int(match.group(1)) - 1
    return buttons[index].get("payload") if 0 <= index < len(buttons) else None


# --- a turn, and the apology when it produced no reply ---------------------------------------------------

# Rasa's own intents whose default actions answer nothing on purpose (the domain has
# no utter_restart or utter_back): a turn of these without a reply did not fail.
SILENT_INTENTS = frozenset({USER_INTENT_RESTART, USER_INTENT_SESSION_START, USER_INTENT_BACK})


async def turn_failed(
    on_new_message: OnNewMessage, message: UserMessage, agent: Any, replied: Callable[[], bool]
) -> bool:
    """Hands `message` to Rasa; True when the person should get the "problem on our
    side" apology: the handling raised, or it produced no reply (`replied()` is
    false) although the turn was not one that answers nothing on purpose (a restart,
    a new session, going back: see SILENT_INTENTS)."""
    try:
        await on_new_message(message)
    except Exception:
        logger.exception("Handling a %s message failed.", message.input_channel)
        return True
    if replied():
        return False
    return not await _ended_silently(agent, message.sender_id)


async def _ended_silently(agent: Any, sender_id: str) -> bool:
    """Whether the conversation's latest turn answers nothing by design: its user
    message has a silent intent, or it ended with a restart or a new session (a SQL
    tracker store returns only the events since the latest session start)."""
    tracker = await stored_tracker(agent, sender_id)
    for event in reversed(tracker.events if tracker else []):
        if isinstance(event, UserUttered):
            return event.intent_name in SILENT_INTENTS
        if isinstance(event, (Restarted, SessionStarted)):
            return True
    return False


async def say(output: OutputChannel, agent: Any, sender_id: str, key: str, language: str | None) -> None:
    """A reply the channel writes itself (the text `key`), in the conversation's
    language, else in `language`."""
    language = await conversation_language(agent, sender_id) or language
    await output.send_text_message(sender_id, t(key, language))


async def handle_turn(
    on_new_message: OnNewMessage,
    message: UserMessage,
    agent: Any,
    replied: Callable[[], bool],
    language: str | None,
) -> None:
    """Hands `message` to Rasa. When the turn failed (`turn_failed`), the person gets
    the "problem on our side" apology through the message's output channel, in the
    conversation's language, else in `language`: never silence."""
    if await turn_failed(on_new_message, message, agent, replied):
        await say(message.output_channel, agent, message.sender_id, "system.unavailable", language)


# --- replies --------------------------------------------------------------------------------------------

_CONFIRMATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
_CONFIRMATION_NUMBER = re.compile(r"[A-Z0-9-]{1,20}")


@dataclass(frozen=True)
class ConfirmationLinks:
    """The confirmation a reply carries in its custom JSON (bot.actions.reply's
    `confirmation_custom`): its number, the addresses of its page and PDF, its token."""

    number: str
    page: str
    pdf: str
    token: str


def confirmation_in(custom: Any) -> ConfirmationLinks | None:
    """The confirmation in a message's custom JSON (`{"confirmation": {"number", "page",
    "pdf", "token"}}`), None when there is none or it is malformed: the page an http(s)
    address ending in /confirmation/<token>, the PDF the same with ".pdf"."""
    value = custom.get("confirmation") if isinstance(custom, dict) else None
    fields = [value.get(key) for key in ("number", "page", "pdf", "token")] if isinstance(value, dict) else []
    if len(fields) != 4 or not all(isinstance(field, str) for field in fields):
        return None
    number, page, pdf, token = (str(field) for field in fields)
    if not (_CONFIRMATION_NUMBER.fullmatch(number) and _CONFIRMATION_TOKEN.fullmatch(token)):
        return None
    if not (page.startswith(("https://", "http://")) and page.endswith(f"/confirmation/{token}")):
        return None
    if pdf != f"{page}.pdf" or any(character.isspace() for character in page):
        return None
    return ConfirmationLinks(number, page, pdf, token)


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
    form: Callable[[], aiohttp.FormData] | None = None,
    auth: aiohttp.BasicAuth | None = None,
    what: str = "message",
    attempts: int = SEND_ATTEMPTS,
    first_backoff_s: float = FIRST_BACKOFF_S,
) -> dict[str, Any] | None:
    """POSTs to an outbound API without blocking the event loop; retries connection
    errors, 429 and 5xx with exponential back-off. Returns the decoded JSON answer,
    or None when every attempt failed or the API refused the request (4xx). Never
    logs the content. `form` builds a multipart body (a file upload) afresh for each
    attempt: aiohttp sends a FormData only once."""
    timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_S)
    delay = first_backoff_s
    for attempt in range(1, attempts + 1):
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, data=form() if form else data, json=json, auth=auth) as answer,
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
