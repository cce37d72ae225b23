"""The web app's pages: the chat page (bot/static/chat.html filled in each language) and
its static files, the confirmation page and PDF (a 503 page while the database is
unavailable), the favicon and the health probe."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable
from html import escape
from pathlib import Path
from string import Template

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.core.calendar_file import CONTENT_TYPE as CALENDAR_CONTENT_TYPE
from bot.core.calendar_file import calendar_filename, deadline_calendar
from bot.core.confirmation_document import confirmation_document
from bot.core.confirmation_page import (
    render_confirmation_html,
    render_not_found_html,
    render_unavailable_html,
)
from bot.core.i18n import LANGUAGES, normalise_language, t
from bot.core.profile import EmbassyProfile
from bot.core.registry import Confirmation, Registry, RegistryUnavailable
from bot.core.settings import PROJECT_ROOT
from bot.web.security import page_csp

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# name under /static/ -> (file, content type); the socket.io client comes from
# node_modules (installed by `npm ci`).
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

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
RETRY_AFTER_SECONDS = 60  # the confirmation pages' 503 while the database is unavailable

REGISTRY = web.AppKey("registry", Registry)
PROFILE = web.AppKey("profile", EmbassyProfile)
CHAT_PAGES = web.AppKey("chat_pages", dict[str, str])  # language -> the rendered chat page
STATIC_FILES = web.AppKey("static_files", dict[str, str])  # name under /static/ -> its text
PUBLIC_URL = web.AppKey("public_url", str)  # the site's address, for links in calendar files


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
        # The links under a confirmation in the chat (bot/static/chat.js).
        "confirmation_number": t("page.confirmation.number", language),
        "open_page": t("delivery.open_page", language),
        "download_pdf": t("delivery.download_pdf", language),
        # The chat tells which language each bot message is in by these sentences.
        "switched_en": t("language.switched", "en"),
        "switched_es": t("language.switched", "es"),
    }
    template = Template((STATIC_DIR / "chat.html").read_text(encoding="utf-8"))
    return template.substitute({key: escape(value) for key, value in values.items()})


def read_static_assets() -> dict[str, str]:
    try:
        return {name: path.read_text(encoding="utf-8") for name, (path, _) in STATIC_ASSETS.items()}
    except FileNotFoundError as error:
        raise RuntimeError(f"{error.filename} is missing: run `npm ci` (make does)") from error


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
    response.headers["Content-Security-Policy"] = page_csp(nonce)
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


async def _confirmation_or_error(request: web.Request) -> Confirmation | web.Response:
    """The confirmation the link names, or the page saying why there is none (404, 503)."""
    try:
        confirmation = await _find_confirmation(request)
    except RegistryUnavailable as error:
        return _unavailable(request, error)
    return _not_found(request) if confirmation is None else confirmation


async def confirmation_page(request: web.Request) -> web.Response:
    confirmation = await _confirmation_or_error(request)
    if isinstance(confirmation, web.Response):
        return confirmation
    language = _requested_language(request, confirmation.language)
    profile = request.app[PROFILE]
    return _html_page(lambda nonce: render_confirmation_html(confirmation, profile, language, nonce=nonce))


async def confirmation_pdf(request: web.Request) -> web.Response:
    """The PDF (bot.core.confirmation_document, as the messaging channels make it), in
    ?lang= when valid, else in the confirmation's language."""
    token = request.match_info["token"]
    requested = request.query.get("lang")
    try:
        document = (
            await asyncio.to_thread(
                confirmation_document,
                request.app[REGISTRY],
                request.app[PROFILE],
                token,
                requested if requested in LANGUAGES else None,
            )
            if TOKEN_PATTERN.fullmatch(token)
            else None
        )
    except RegistryUnavailable as error:
        return _unavailable(request, error)
    if document is None:
        return _not_found(request)
    return web.Response(
        body=document.pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{document.filename}"'},
    )


async def confirmation_calendar(request: web.Request) -> web.Response:
    """The deadline as a calendar file (bot.core.calendar_file), in ?lang= when valid,
    else in the confirmation's language; 404 when the confirmation has no interview date."""
    confirmation = await _confirmation_or_error(request)
    if isinstance(confirmation, web.Response):
        return confirmation
    if confirmation.interview_date is None:
        return _not_found(request)
    language = _requested_language(request, confirmation.language)
    page_url = f"{request.app[PUBLIC_URL]}/confirmation/{confirmation.token}"
    if language != confirmation.language:
        page_url += f"?lang={language}"
    calendar = deadline_calendar(confirmation, request.app[PROFILE], language, page_url)
    return web.Response(
        body=calendar,
        content_type=CALENDAR_CONTENT_TYPE,
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{calendar_filename(confirmation.number)}"',
            "Cache-Control": "no-store",
        },
    )


def chat_page(language: str) -> Handler:
    """The handler of the chat page in `language` (rendered once, by create_app)."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=request.app[CHAT_PAGES][language], content_type="text/html", charset="utf-8")

    return handler


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


async def health(request: web.Request) -> web.Response:
    """The liveness probe: answers while the database or Rasa is down."""
    return web.Response(text="ok")
