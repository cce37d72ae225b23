"""A confirmation's PDF from its token (bot/core/confirmation_document.py): the one
function the web app and the messaging channels share, with a registry given or this
process's own (from DATABASE_URL, BOT_SECRET_KEY and EMBASSY_PROFILE)."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.core import confirmation_document as module
from bot.core.confirmation_document import (
    ConfirmationDocument,
    confirmation_document,
    document_for_token,
    pdf_filename,
)
from bot.core.i18n import t
from bot.core.profile import load_profile
from bot.core.registry import Applicant, Confirmation, Registry, RegistryUnavailable

SECRET = "document-test-secret"
CLOSED_POSTGRES_URL = "postgresql://nobody@127.0.0.1:1/test"  # nothing listens on port 1


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    registry = Registry(f"sqlite:///{tmp_path}/registry.sqlite3", SECRET.encode())
    yield registry
    registry.dispose()


def issue(registry: Registry, language: str) -> Confirmation:
    registration, _ = registry.register(Applicant("A1234567", "1985-03-05", "BOL"))
    return registry.issue_confirmation(registration.id, "PTS-01", language)


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).split())


@pytest.mark.parametrize(
    ("issued_in", "asked", "language"),
    [("es", None, "es"), ("en", None, "en"), ("es", "en", "en"), ("en", "es", "es"), ("es", "fr", "es")],
)
def test_the_pdf_of_a_token_in_the_language_asked_else_the_confirmations(
    registry: Registry, issued_in: str, asked: str | None, language: str
) -> None:
    confirmation = issue(registry, issued_in)
    document = confirmation_document(registry, load_profile(), confirmation.token, asked)
    assert document is not None
    assert (document.number, document.language) == (confirmation.number, language)
    assert document.filename == f"confirmation-{confirmation.number}.pdf"
    assert document.pdf.startswith(b"%PDF-")
    text = pdf_text(document.pdf)
    assert confirmation.number in text and t("page.confirmation.number", language) in text


@pytest.mark.parametrize("token", ["A" * 43, "", "../secret.key", "x" * 5000])
def test_a_token_of_no_confirmation_gives_none(registry: Registry, token: str) -> None:
    issue(registry, "en")
    assert confirmation_document(registry, load_profile(), token) is None


def test_the_database_down_raises_registry_unavailable() -> None:
    down = Registry(CLOSED_POSTGRES_URL, SECRET.encode())
    try:
        with pytest.raises(RegistryUnavailable):
            confirmation_document(down, load_profile(), "A" * 43)
    finally:
        down.dispose()


@pytest.mark.parametrize(
    ("number", "filename"),
    [("YH9X-NHPR", "confirmation-YH9X-NHPR.pdf"), ('A"B/..\\C\r\nD', "confirmation-ABCD.pdf")],
)
def test_the_file_name_holds_only_safe_characters(number: str, filename: str) -> None:
    assert pdf_filename(number) == filename
    assert ConfirmationDocument(number, "en", b"").filename == filename


@pytest.fixture
def process_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """This process's settings pointed at a database in `tmp_path`; its URL."""
    url = f"sqlite:///{tmp_path}/process.sqlite3"
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BOT_SECRET_KEY", SECRET)
    monkeypatch.delenv("EMBASSY_PROFILE", raising=False)
    module._process_sources.cache_clear()
    yield url
    registry, _ = module._process_sources()
    registry.dispose()
    module._process_sources.cache_clear()


def test_a_process_without_a_registry_of_its_own_uses_its_settings(process_settings: str) -> None:
    writer = Registry(process_settings, SECRET.encode())
    try:
        confirmation = issue(writer, "es")
    finally:
        writer.dispose()
    document = document_for_token(confirmation.token)
    assert document is not None and (document.number, document.language) == (confirmation.number, "es")
    assert document.pdf.startswith(b"%PDF-")
    assert document_for_token("A" * 43) is None
    # One registry for the whole process.
    assert module._process_sources()[0] is module._process_sources()[0]
