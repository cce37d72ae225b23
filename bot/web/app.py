"""The web app put together: create_app wires the pages, the relay and the security
layer onto one aiohttp app with its life cycle (session to Rasa, database); main()
serves it: `python -m bot.web` (host: WEB_HOST, default 127.0.0.1; port: WEB_PORT;
Rasa: RASA_URLS, comma-separated base URLs of several Rasa servers, each page kept on
one (bot.web.relay), or RASA_URL, default http://127.0.0.1:RASA_PORT)."""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.core.i18n import LANGUAGES
from bot.core.log_privacy import install_redaction
from bot.core.profile import EmbassyProfile, load_profile
from bot.core.registry import Registry, RegistryUnavailable
from bot.core.settings import Settings, load_settings, positive_setting
from bot.web.pages import (
    CHAT_PAGES,
    CHAT_PATHS,
    PROFILE,
    PUBLIC_URL,
    REGISTRY,
    STATIC_FILES,
    chat_page,
    confirmation_calendar,
    confirmation_page,
    confirmation_pdf,
    health,
    read_static_assets,
    render_chat_page,
    spanish_chat_redirect,
    static_file,
)
from bot.web.relay import (
    DEFAULT_MAX_SOCKETS,
    DEFAULT_MAX_SOCKETS_PER_CLIENT,
    DEFAULT_SOCKET_IDLE_SECONDS,
    HTTP,
    OPEN_SOCKETS,
    RASA_SOCKETS,
    SOCKET_IDLE_SECONDS,
    SOCKET_LIMITS,
    SOCKET_PATH,
    SocketLimits,
    close_open_sockets,
    socket_relay,
    socket_url,
)
from bot.web.security import MAX_BODY_BYTES, RouteAccessLogger, refuse_request_bodies, security_headers

logger = logging.getLogger(__name__)

# No total timeout: it would cut every relayed WebSocket after that long.
RASA_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=5, sock_connect=5)


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


async def dispose_registry(app: web.Application) -> AsyncIterator[None]:
    """Closes the registry's connections when the app stops (after the contexts added later)."""
    yield
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
        app.cleanup_ctx.append(dispose_registry)
    app[REGISTRY] = registry
    app[PROFILE] = profile
    app[PUBLIC_URL] = settings.public_url
    rasa_urls = (
        os.environ.get("RASA_URLS") or os.environ.get("RASA_URL") or f"http://127.0.0.1:{settings.rasa_port}"
    )
    app[RASA_SOCKETS] = [socket_url(url) for url in rasa_urls.split(",") if url.strip()]
    app[CHAT_PAGES] = {language: render_chat_page(profile, language) for language in LANGUAGES}
    app[STATIC_FILES] = read_static_assets()
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
    # aiohttp 3.9 annotates its signals for aiosignal < 1.4, which reads Signal[X] as
    # callbacks taking an X (aio-libs/aiohttp#11264, fixed in aiohttp 3.12.14).
    app.on_shutdown.append(close_open_sockets)  # type: ignore[arg-type]
    app.on_response_prepare.append(security_headers)  # type: ignore[arg-type]
    # The PDF route comes first: "{token}" alone would also match "<token>.pdf".
    app.router.add_get("/confirmation/{token}.pdf", confirmation_pdf, name="confirmation_pdf")
    # Likewise for the calendar file.
    app.router.add_get("/confirmation/{token}.ics", confirmation_calendar, name="confirmation_calendar")
    app.router.add_get("/confirmation/{token:.*}", confirmation_page, name="confirmation")
    for language, path in CHAT_PATHS.items():
        app.router.add_get(path, chat_page(language), name=f"chat_page_{language}")
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
