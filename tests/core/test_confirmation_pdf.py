"""The confirmation PDF: same content as the page, read back with pypdf."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from io import BytesIO

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import LETTER

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


# Deadline, checklist and the QR code's caption

NOW = datetime(2025, 5, 27, 16, 0, tzinfo=timezone.utc)  # noon in La Paz, 19 days before the deadline


def with_details(**changes: object):
    values: dict[str, object] = {
        "interview_date": date(2024, 6, 15),
        "documents": ("passport", "police_certificate", "other"),
    }
    values.update(changes)
    return make_confirmation(**values)


def test_english_pdf_has_the_deadline_warning_and_checklist(profile):
    text = pdf_text(render_confirmation_pdf(with_details(), profile, "en", now=NOW))

    for value in (
        "Deadline to send your documents",
        "Your documents must reach the consular section by 15 June 2025",
        "Little time left: 19 days until 15 June 2025.",
        "Checklist: documents to send",
        "Valid passport",
        profile.checklist_item("passport").hint_in("en"),
        profile.checklist_item("police_certificate").label("en"),
        profile.checklist_item("police_certificate").hint_in("en"),
        "Other documents listed in your officer's note",
        "Send every document your officer's note asks for, even if it is not on this list.",
    ):
        assert value in text
    assert "The documents listed in your officer's note" not in text
    assert ".ics" not in text


def test_spanish_pdf_has_the_deadline_warning_and_checklist(profile):
    text = pdf_text(render_confirmation_pdf(with_details(language="es"), profile, "es", now=NOW))

    for value in (
        "Plazo para enviar sus documentos",
        "Sus documentos deben llegar a la sección consular hasta el 15 de junio de 2025",
        "Queda poco tiempo: faltan 19 días para el 15 de junio de 2025.",
        "Lista: documentos para enviar",
        "Pasaporte vigente",
        profile.checklist_item("passport").hint_in("es"),
        "Certificado de antecedentes policiales",
        "Otros documentos indicados en la nota del oficial consular",
    ):
        assert value in text


@pytest.mark.parametrize(
    ("language", "fallback", "deadline"),
    [
        ("en", "The documents listed in your officer's note", "Deadline to send your documents"),
        (
            "es",
            "Los documentos indicados en la nota del oficial consular",
            "Plazo para enviar sus documentos",
        ),
    ],
)
def test_pdf_without_details_has_no_deadline_and_the_officers_note(profile, language, fallback, deadline):
    text = pdf_text(render_confirmation_pdf(make_confirmation(language=language), profile, language, now=NOW))

    assert fallback in text
    assert deadline not in text
    assert t("checklist.note", language) not in text


def test_pdf_with_a_passed_deadline_explains_it(profile):
    now = datetime(2025, 7, 1, 16, tzinfo=timezone.utc)
    text = pdf_text(render_confirmation_pdf(with_details(documents=None), profile, "en", now=now))

    assert "The year to present your documents ended on 15 June 2025" in text
    assert "your case will be closed" in text
    assert "Little time left" not in text
    assert "The documents listed in your officer's note" in text


def text_positions(pdf: bytes) -> list[tuple[str, float, float]]:
    """(text, x, y) of every text run on the first page, y growing upwards."""
    runs: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            runs.append((text.strip(), cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]))

    PdfReader(BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return runs


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_qr_caption_is_under_the_code_in_the_number_box(profile, language):
    runs = text_positions(render_confirmation_pdf(make_confirmation(language=language), profile, language))

    caption = t("page.confirmation.qr", language)
    caption_runs = [(x, y) for text, x, y in runs if text and text in caption]
    number_x, number_y = next((x, y) for text, x, y in runs if text == "7K3M-PQ4X")
    first_field_y = next(y for text, x, y in runs if text == t("page.confirmation.passport", language))
    assert caption_runs, "the caption is printed"
    for x, y in caption_runs:
        # In the right-hand cell with the code (x), inside the box: above the fields (y).
        assert x > LETTER[0] / 2 > number_x
        assert first_field_y < y < number_y
    assert " ".join(text for text, *_ in runs if text in caption) == " ".join(caption.split())
