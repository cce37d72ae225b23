"""The public web app: the chat page, its WebSocket relay, and confirmation pages (HTML and PDF).

The chat page (bot/static/chat.*) talks to Rasa's socket.io channel through
/socket.io/ on this same origin: the app relays each WebSocket frame by frame to
Rasa, so the page needs no other host and its CSP can stay `connect-src 'self'`.
The socket.io client comes from node_modules (installed by `npm ci`).

Confirmation URLs hold a secret token: they are never logged (RouteAccessLogger
writes the route name instead of the path), never cached, and never sent on as
a Referer.

Limits of the relay, so that one address cannot hold every connection:
- WEB_MAX_SOCKETS_PER_CLIENT (default 20): open WebSockets per client address; one
  more gets 429. The address is the TCP peer's: X-Forwarded-For is not trusted, so
  behind a reverse proxy every visitor shares the proxy's address and this limit must
  be raised to the overall one (or the proxy must limit per visitor itself).
- WEB_MAX_SOCKETS (default 500): open WebSockets in all; one more gets 503.
- WEB_SOCKET_IDLE_SECONDS (default 120): a socket on which the browser sent no data
  frame for this long is closed. Rasa's socket.io pings every 25 s and the page
  answers, so only a page that stopped running (or a client that is not the page)
  goes idle. Dead connections are also found by WebSocket pings every
  HEARTBEAT_SECONDS, on both sides of the relay.

No route reads a request body: one announced larger than MAX_BODY_BYTES, or sent
chunked (of unknown size), gets 413 before anything reads it.

The database may be down when the app starts: it starts anyway, logs it, and tries
again on each confirmation request, which meanwhile gets a 503 page.

Run it with `python -m bot.web` (host: WEB_HOST, default 127.0.0.1; port:
WEB_PORT; Rasa: RASA_URL, default http://127.0.0.1:RASA_PORT).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from html import escape
from pathlib import Path
from string import Template

import aiohttp
from aiohttp import hdrs, web
from aiohttp.abc import AbstractAccessLogger
from yarl import URL

from bot.core.confirmation_page import (
    render_confirmation_html,
    render_not_found_html,
    render_unavailable_html,
)
from bot.core.confirmation_pdf import render_confirmation_pdf
from bot.core.i18n import LANGUAGES, normalise_language, t
from bot.core.log_privacy import install_redaction
from bot.core.profile import EmbassyProfile, load_profile
from bot.core.registry import Confirmation, Registry, RegistryUnavailable
from bot.core.settings import PROJECT_ROOT, Settings, load_settings, positive_setting

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
# name under /static/ -> (file, content type)
STATIC_ASSETS = {
    "chat.css": (STATIC_DIR / "chat.css", "text/css"),
    "chat.js": (STATIC_DIR / "chat.js", "text/javascript"),
    "favicon.svg": (STATIC_DIR / "favicon.svg", "image/svg+xml"),
    "socket.io.min.js": (
        PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
        "text/javascript",
    ),
}
CHAT_PATHS = {"en": "/", "es": "/es/"}
SOCKET_PATH = "/socket.io/"

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
# The page sends at most 2,000 characters a message; a frame this size holds that
# even when every character is JSON-escaped, and nothing the browser sends is larger.
MAX_FRAME_BYTES = 16 * 1024
MAX_BODY_BYTES = 16 * 1024  # no route reads a body
# No total timeout: it would cut every relayed WebSocket after that long.
RASA_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=5, sock_connect=5)
DEFAULT_MAX_SOCKETS_PER_CLIENT = 20
DEFAULT_MAX_SOCKETS = 500
DEFAULT_SOCKET_IDLE_SECONDS = 120.0
# A ping after this many seconds without a frame; no pong within half of it closes the socket.
HEARTBEAT_SECONDS = 30.0
RETRY_AFTER_SECONDS = 60  # the confirmation pages' 503 while the database is unavailable

# No object-src 'none': some browsers' built-in PDF viewers refuse to show a PDF
# served with it; default-src 'self' already limits objects to this origin.
CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
NO_STORE_PREFIXES = ("/confirmation/",)

REGISTRY = web.AppKey("registry", Registry)
PROFILE = web.AppKey("profile", EmbassyProfile)
RASA_SOCKET = web.AppKey("rasa_socket", URL)
CHAT_PAGES = web.AppKey("chat_pages", dict)
STATIC_FILES = web.AppKey("static_files", dict)
HTTP = web.AppKey("http", aiohttp.ClientSession)
OPEN_SOCKETS = web.AppKey("open_sockets", weakref.WeakSet)
SOCKET_IDLE_SECONDS = web.AppKey("socket_idle_seconds", float)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WebSocket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


def _page_csp(nonce: str) -> str:
    """The confirmation pages are self-contained: their style and script carry the nonce."""
    return (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def render_chat_page(profile: EmbassyProfile, language: str) -> str:
    """The chat page in `language` (bot/static/chat.html with every value escaped)."""
    other = next(code for code in LANGUAGES if code != language)
    embassy = profile.display_name(language)
    courier = profile.courier
    values = {
        "lang": language,
        "title": t("page.chat.title", language, embassy=embassy),
        "heading": t("page.chat.heading", language, courier=courier),
        "intro": t("page.chat.intro", language, courier=courier),
        "privacy": t("page.chat.privacy", language),
        "official_url": profile.page(language),
        "official_label": t("page.chat.official_page", language, embassy=embassy),
        "switch_href": CHAT_PATHS[other],
        "switch_lang": other,
        "switch_label": t("page.chat.switch_language", language),
        "log_label": t("page.chat.log_label", language),
        "input_label": t("page.chat.input_label", language),
        "send": t("page.chat.send", language),
        "you": t("page.chat.you", language),
        "bot": t("page.chat.bot", language),
        "unavailable": t("page.chat.unavailable", language),
        "offline": t("page.chat.offline", language),
        "new_tab": t("page.chat.new_tab", language),
        "noscript": t("page.chat.noscript", language),
        # The chat tells which language each bot message is in by these sentences.
        "switched_en": t("language.switched", "en"),
        "switched_es": t("language.switched", "es"),
    }
    template = Template((STATIC_DIR / "chat.html").read_text(encoding="utf-8"))
    return template.substitute({key: escape(value) for key, value in values.items()})


def _requested_language(request: web.Request, default: str | None = None) -> str:
    """?lang= when valid, else `default`, else the first Accept-Language tag."""
    requested = request.query.get("lang")
    if requested in LANGUAGES:
        return requested
    if default is not None:
        return default
    first_tag = request.headers.get("Accept-Language", "").split(",")[0]
    return normalise_language(first_tag.split(";")[0].strip().lower()[:2])


def _html_page(render: Callable[[str], str], status: int = 200) -> web.Response:
    nonce = secrets.token_urlsafe(16)
    response = web.Response(text=render(nonce), status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = _page_csp(nonce)
    return response


async def _find_confirmation(request: web.Request) -> Confirmation | None:
    token = request.match_info["token"]
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    return await asyncio.to_thread(request.app[REGISTRY].confirmation_by_token, token)


def _not_found(request: web.Request) -> web.Response:
    language = _requested_language(request)
    return _html_page(lambda nonce: render_not_found_html(language, nonce=nonce), status=404)


def _unavailable(request: web.Request, error: RegistryUnavailable) -> web.Response:
    """503 page in the browser's language; the error's message holds no personal data."""
    logger.warning("Confirmation look-up failed, answered 503: %s", error)
    language = _requested_language(request)
    response = _html_page(lambda nonce: render_unavailable_html(language, nonce=nonce), status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def confirmation_page(request: web.Request) -> web.Response:
    try:
        confirmation = await _find_confirmation(request)
    except RegistryUnavailable as error:
        return _unavailable(request, error)
    if confirmation is None:
        return _not_found(request)
    language = _requested_language(request, confirmation.language)
    profile = request.app[PROFILE]
    return _html_page(lambda nonce: render_confirmation_html(confirmation, profile, language, nonce=nonce))


async def confirmation_pdf(request: web.Request) -> web.Response:
    try:
        confirmation = await _find_confirmation(request)
    except RegistryUnavailable as error:
        return _unavailable(request, error)
    if confirmation is None:
        return _not_found(request)
    language = _requested_language(request, confirmation.language)
    pdf = await asyncio.to_thread(render_confirmation_pdf, confirmation, request.app[PROFILE], language)
    filename = re.sub(r"[^A-Za-z0-9_-]", "", confirmation.number)
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="confirmation-{filename}.pdf"'},
    )


def _chat_page(language: str) -> Handler:
    async def chat_page(request: web.Request) -> web.Response:
        return web.Response(text=request.app[CHAT_PAGES][language], content_type="text/html", charset="utf-8")

    return chat_page


async def spanish_chat_redirect(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently(CHAT_PATHS["es"])


async def static_file(request: web.Request) -> web.Response:
    # Browsers ask for /favicon.ico whatever the page links: it gets the SVG icon.
    name = request.match_info.get("name", "favicon.svg")
    if name not in STATIC_ASSETS:
        raise web.HTTPNotFound()
    return web.Response(
        text=request.app[STATIC_FILES][name], content_type=STATIC_ASSETS[name][1], charset="utf-8"
    )


def _read_static_assets() -> dict[str, str]:
    try:
        return {name: path.read_text(encoding="utf-8") for name, (path, _) in STATIC_ASSETS.items()}
    except FileNotFoundError as error:
        raise RuntimeError(f"{error.filename} is missing: run `npm ci` (make does)") from error


class SocketLimits:
    """Counts the relayed WebSockets open per client address and in all.

    Only the event loop's thread uses it, so it needs no lock.
    """

    def __init__(self, per_client: int, overall: int) -> None:
        self.per_client = per_client
        self.overall = overall
        self.total = 0
        self._by_client: dict[str, int] = {}

    def open_for(self, client: str) -> int:
        return self._by_client.get(client, 0)

    def acquire(self, client: str) -> int | None:
        """Counts one more socket for `client` and returns None, or counts nothing and
        returns the status to refuse it with: 429 (this client's limit), 503 (overall)."""
        if self.open_for(client) >= self.per_client:
            return 429
        if self.total >= self.overall:
            return 503
        self._by_client[client] = self.open_for(client) + 1
        self.total += 1
        return None

    def release(self, client: str) -> None:
        remaining = self.open_for(client) - 1
        if remaining > 0:
            self._by_client[client] = remaining
        else:
            self._by_client.pop(client, None)
        self.total -= 1


SOCKET_LIMITS = web.AppKey("socket_limits", SocketLimits)
REFUSALS = {429: "too many open connections from your address", 503: "the assistant is busy"}


def client_address(request: web.Request) -> str:
    """The TCP peer's address. X-Forwarded-For is not trusted: any client can write it."""
    return request.remote or "unknown"


CLOSED_MESSAGE_TYPES = (
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSING,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.ERROR,
)


async def _pipe(source: WebSocket, target: WebSocket, idle_seconds: float | None = None) -> None:
    """Copies data frames from `source` to `target` until either side closes, or until
    `source` sent no data frame for `idle_seconds` (pings and pongs do not count)."""
    try:
        while True:
            message = await asyncio.wait_for(source.receive(), idle_seconds)
            if message.type == aiohttp.WSMsgType.TEXT:
                await target.send_str(message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await target.send_bytes(message.data)
            elif message.type in CLOSED_MESSAGE_TYPES:
                return
    except asyncio.TimeoutError:
        logger.info("Closing a chat WebSocket idle for %.0f s", idle_seconds)
    except ConnectionError:
        pass  # the other side went away; the caller closes both


async def socket_relay(request: web.Request) -> web.StreamResponse:
    """Relays the chat page's WebSocket to Rasa's socket.io server, frame by frame.

    A client over its limit gets 429, and everyone gets 503 when the relay is full,
    before anything connects to Rasa. Rasa is connected first, so that a browser gets
    a 502 (and its socket.io client retries) instead of an open socket to nowhere
    while Rasa is down.
    """
    browser = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES, heartbeat=HEARTBEAT_SECONDS)
    if not browser.can_prepare(request).ok:
        return web.json_response({"error": "WebSocket connections only"}, status=400)
    limits = request.app[SOCKET_LIMITS]
    client = client_address(request)
    refusal = limits.acquire(client)
    if refusal is not None:
        logger.warning("Chat WebSocket refused with %d (%d open in all)", refusal, limits.total)
        return web.json_response({"error": REFUSALS[refusal]}, status=refusal)
    try:
        return await _relay(request, browser)
    finally:
        limits.release(client)


async def _relay(request: web.Request, browser: web.WebSocketResponse) -> web.StreamResponse:
    try:
        rasa = await request.app[HTTP].ws_connect(
            request.app[RASA_SOCKET].with_query(request.query), heartbeat=HEARTBEAT_SECONDS
        )
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.warning("Rasa's socket.io server is unavailable: %s", type(error).__name__)
        return web.json_response({"error": "the assistant is unavailable"}, status=502)
    try:
        await browser.prepare(request)
        request.app[OPEN_SOCKETS].add(browser)
        pipes = [
            asyncio.create_task(_pipe(browser, rasa, request.app[SOCKET_IDLE_SECONDS])),
            asyncio.create_task(_pipe(rasa, browser)),
        ]
        _, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for pipe in pending:
            pipe.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    finally:
        await rasa.close()
        if browser.prepared:
            await browser.close()
    return browser


async def _close_open_sockets(app: web.Application) -> None:
    """Without this, an open chat would hold up the shutdown for aiohttp's grace period."""
    for socket in list(app[OPEN_SOCKETS]):
        await socket.close(code=aiohttp.WSCloseCode.GOING_AWAY)


async def health(request: web.Request) -> web.Response:
    """The liveness probe: answers while the database or Rasa is down."""
    return web.Response(text="ok")


@web.middleware
async def refuse_request_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answers 413 to a body over MAX_BODY_BYTES, or of unknown size (chunked), before
    any of it is read: client_max_size only applies when a handler reads the body."""
    too_large = request.content_length is not None and request.content_length > MAX_BODY_BYTES
    if too_large or "chunked" in request.headers.get(hdrs.TRANSFER_ENCODING, "").lower():
        return web.json_response({"error": "request body too large"}, status=413)
    return await handler(request)


class RouteAccessLogger(AbstractAccessLogger):
    """Access log of method, route name, status and time: never the path, which may
    hold a confirmation token. Pass it as access_log_class to whatever runs the app."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        try:
            route = request.match_info.route.name or "-"  # type: ignore[attr-defined]
        except (AttributeError, AssertionError):
            route = "-"  # the request failed before routing
        self.logger.info("%s %s %s %.3fs", request.method, route, response.status, time)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.path.startswith(NO_STORE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"


async def http_session(app: web.Application) -> AsyncIterator[None]:
    # As many connections as the relay admits, so that a socket never waits for the pool.
    connector = aiohttp.TCPConnector(limit=app[SOCKET_LIMITS].overall)
    async with aiohttp.ClientSession(timeout=RASA_TIMEOUT, connector=connector) as session:
        app[HTTP] = session
        yield


async def prepare_database(app: web.Application) -> AsyncIterator[None]:
    """Creates the tables in the background, so that the app starts (and /health
    answers) while the database is down; the registry retries on first use."""

    async def prepare() -> None:
        try:
            await asyncio.to_thread(app[REGISTRY].prepare)
        except RegistryUnavailable as error:
            logger.warning("%s; the web app runs and tries again on each confirmation request", error)

    task = asyncio.create_task(prepare())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _dispose_registry(app: web.Application) -> None:
    app[REGISTRY].dispose()


def create_app(
    settings: Settings | None = None,
    registry: Registry | None = None,
    profile: EmbassyProfile | None = None,
) -> web.Application:
    """The web app; missing arguments are built from `settings` (default: environment)."""
    settings = settings or load_settings()
    profile = profile or load_profile(settings.profile_path)
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[refuse_request_bodies])
    if registry is None:
        registry = Registry(settings.database_url, settings.secret_key)
        app.on_cleanup.append(_dispose_registry)
    app[REGISTRY] = registry
    app[PROFILE] = profile
    rasa_url = URL(os.environ.get("RASA_URL") or f"http://127.0.0.1:{settings.rasa_port}")
    app[RASA_SOCKET] = rasa_url.with_scheme("wss" if rasa_url.scheme == "https" else "ws").with_path(
        SOCKET_PATH
    )
    app[CHAT_PAGES] = {language: render_chat_page(profile, language) for language in LANGUAGES}
    app[STATIC_FILES] = _read_static_assets()
    app[OPEN_SOCKETS] = weakref.WeakSet()
    app[SOCKET_LIMITS] = SocketLimits(
        per_client=positive_setting(
            os.environ, "WEB_MAX_SOCKETS_PER_CLIENT", DEFAULT_MAX_SOCKETS_PER_CLIENT, int
        ),
        overall=positive_setting(os.environ, "WEB_MAX_SOCKETS", DEFAULT_MAX_SOCKETS, int),
    )
    app[SOCKET_IDLE_SECONDS] = positive_setting(
        os.environ, "WEB_SOCKET_IDLE_SECONDS", DEFAULT_SOCKET_IDLE_SECONDS, float
    )
    app.cleanup_ctx.append(http_session)
    app.cleanup_ctx.append(prepare_database)
    app.on_shutdown.append(_close_open_sockets)
    app.on_response_prepare.append(security_headers)
    # The PDF route comes first: "{token}" alone would also match "<token>.pdf".
    app.router.add_get("/confirmation/{token}.pdf", confirmation_pdf, name="confirmation_pdf")
    app.router.add_get("/confirmation/{token:.*}", confirmation_page, name="confirmation")
    for language, path in CHAT_PATHS.items():
        app.router.add_get(path, _chat_page(language), name=f"chat_page_{language}")
    app.router.add_get("/es", spanish_chat_redirect, name="chat_page_es_redirect")
    app.router.add_get("/static/{name}", static_file, name="static")
    app.router.add_get("/favicon.ico", static_file, name="favicon")
    app.router.add_get(SOCKET_PATH, socket_relay, name="socket_relay")
    app.router.add_get("/health", health, name="health")
    return app


def main() -> None:
    install_redaction()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    web.run_app(
        create_app(settings),
        host=os.environ.get("WEB_HOST", "127.0.0.1"),
        port=settings.web_port,
        access_log_class=RouteAccessLogger,
    )


if __name__ == "__main__":
    main()
