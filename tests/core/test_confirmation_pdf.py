"""The confirmation PDF: same content as the page, read back with pypdf."""

from __future__ import annotations

import dataclasses
from io import BytesIO

import pytest
from pypdf import PdfReader

from bot.core.confirmation_pdf import qr_code, render_confirmation_pdf
from bot.core.i18n import t
from bot.core.profile import load_profile
from tests.core.test_confirmation_page import make_confirmation


@pytest.fixture(scope="module")
def profile():
    return load_profile()


def pdf_text(pdf: bytes) -> str:
    """All text of the PDF with runs of whitespace (line breaks too) made single spaces."""
    reader = PdfReader(BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def step_texts(language: str) -> list[str]:
    return [
        t("page.confirmation.next_print", language),
        t("page.confirmation.next_take", language, courier="DHL"),
        t("page.confirmation.next_return", language, courier="DHL"),
        t("page.confirmation.next_fee", language),
    ]


def test_english_pdf_has_every_field(profile):
    pdf = render_confirmation_pdf(make_confirmation(), profile, "en")

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for value in (
        "Confirmation number",
        "7K3M-PQ4X",
        "*****567",
        "Mexico",
        "DHL – Potosí (sample office / oficina de ejemplo)",
        "Sample address / dirección de ejemplo",
        "Date issued",
        "5 March 2025",
        "U.S. Embassy in La Paz, Bolivia",
        "https://bo.usembassy.gov/",
        "What to do next",
        "The offices in this assistant are sample data",
        "QR code with the confirmation number",
        *step_texts("en"),
    ):
        assert value in text


def test_spanish_pdf_has_every_field_with_accents(profile):
    text = pdf_text(render_confirmation_pdf(make_confirmation(language="es"), profile, "es"))

    for value in (
        "Número de confirmación",
        "México",
        "Potosí",
        "Fecha de emisión",
        "5 de marzo de 2025",
        "Embajada de los Estados Unidos en La Paz, Bolivia",
        "https://bo.usembassy.gov/es/",
        "Qué hacer ahora",
        "Código QR con el número de confirmación",
        *step_texts("es"),
    ):
        assert value in text


def test_metadata_has_the_title_and_no_personal_data(profile):
    reader = PdfReader(BytesIO(render_confirmation_pdf(make_confirmation(), profile, "en")))

    assert reader.metadata.title == "Confirmation 7K3M-PQ4X"
    assert "567" not in str(dict(reader.metadata))


def test_markup_in_fields_is_drawn_as_literal_text(profile):
    confirmation = make_confirmation(
        number="<b>NUM</b>", passport_masked="*<i>7</i>&amp;", office_id="<font>x</font>"
    )
    hostile_profile = dataclasses.replace(profile, name={"en": "Embassy <br/> & Co"})

    text = pdf_text(render_confirmation_pdf(confirmation, hostile_profile, "en"))

    assert "<b>NUM</b>" in text
    assert "*<i>7</i>&amp;" in text
    assert "<font>x</font>" in text
    assert "Embassy <br/> & Co" in text


def test_qr_code_holds_the_confirmation_number():
    drawing = qr_code("7K3M-PQ4X", size=100)

    (widget,) = drawing.contents
    assert widget.value == "7K3M-PQ4X"
    assert (drawing.width, drawing.height) == (100, 100)
