"""A confirmation's printable PDF from the token of its link: the one way the web app
(/confirmation/<token>.pdf) and the messaging channels (Telegram's document) make it.

Blocking (a database look-up, then reportlab): callers run it in a thread.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bot.core.confirmation_pdf import render_confirmation_pdf
from bot.core.i18n import LANGUAGES
from bot.core.profile import EmbassyProfile, load_profile
from bot.core.registry import Registry
from bot.core.settings import load_settings


@dataclass(frozen=True)
class ConfirmationDocument:
    """The PDF of one confirmation, in `language`."""

    number: str
    language: str
    pdf: bytes

    @property
    def filename(self) -> str:
        return pdf_filename(self.number)


def pdf_filename(number: str) -> str:
    """The PDF's file name: "confirmation-<number>.pdf", with only letters, digits, "-"
    and "_" of the number (it goes into headers and multipart forms)."""
    return f"confirmation-{re.sub(r'[^A-Za-z0-9_-]', '', number)}.pdf"


def confirmation_document(
    registry: Registry, profile: EmbassyProfile, token: str, language: str | None = None
) -> ConfirmationDocument | None:
    """The PDF of the confirmation whose link holds `token`, in `language` (by default,
    and for a language that is not ours, the one the confirmation was issued in); None
    when the token names no confirmation. Raises RegistryUnavailable when the database
    cannot be read."""
    confirmation = registry.confirmation_by_token(token)
    if confirmation is None:
        return None
    chosen = language if language in LANGUAGES else confirmation.language
    pdf = render_confirmation_pdf(confirmation, profile, chosen)
    return ConfirmationDocument(confirmation.number, chosen, pdf)


@functools.cache
def _process_sources() -> tuple[Registry, EmbassyProfile]:
    """This process's registry and profile, built once, on first use, from its
    settings (DATABASE_URL, BOT_SECRET_KEY, EMBASSY_PROFILE). Nothing connects before
    a look-up: the registry opens the database only when asked."""
    settings = load_settings()
    return Registry(settings.database_url, settings.secret_key), load_profile(settings.profile_path)


def document_for_token(token: str, language: str | None = None) -> ConfirmationDocument | None:
    """`confirmation_document` with this process's registry and profile: for a process
    that has no registry of its own (the Rasa server, whose channels send the PDF)."""
    registry, profile = _process_sources()
    return confirmation_document(registry, profile, token, language)
