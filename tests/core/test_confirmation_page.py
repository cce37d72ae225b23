"""The printable confirmation page: content in both languages, escaping, not-found and unavailable pages."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from bot.core.confirmation_page import (
    render_confirmation_html,
    render_not_found_html,
    render_unavailable_html,
)
from bot.core.i18n import t
from bot.core.profile import load_profile
from bot.core.registry import Confirmation

TOKEN = "Abc_def-123456789012345678901234567890ghijk"


@pytest.fixture(scope="module")
def profile():
    return load_profile()


def make_confirmation(**changes: object) -> Confirmation:
    values: dict[str, object] = {
        "number": "7K3M-PQ4X",
        "token": TOKEN,
        "registration_id": 1,
        "office_id": "PTS-01",
        "language": "en",
        "issued_on": date(2025, 3, 5),
        "passport_masked": "*****567",
        "nationality": "MEX",
    }
    values.update(changes)
    return Confirmation(**values)  # type: ignore[arg-type]


def test_english_page_shows_every_field(profile):
    html = render_confirmation_html(make_confirmation(), profile, "en")

    assert '<html lang="en">' in html
    assert "<title>Confirmation 7K3M-PQ4X</title>" in html
    for value in (
        "7K3M-PQ4X",
        "*****567",
        "Mexico",
        "DHL – Potosí (sample office / oficina de ejemplo)",
        "Potosí",
        "Sample address / dirección de ejemplo",
        "5 March 2025",
        "U.S. Embassy in La Paz, Bolivia",
        'href="https://bo.usembassy.gov/"',
        "Date issued",
        "What to do next",
        "The offices in this assistant are sample data",
    ):
        assert value in html
    assert "<li>Print this page.</li>" in html
    assert "Take it, together with the documents the consular officer asked for, to the DHL office." in html
    assert "your documents and your passport come back to you through DHL" in html
    assert "within a year of your application, you do not pay another application fee" in html


def test_spanish_page_uses_spanish_texts_and_page(profile):
    html = render_confirmation_html(make_confirmation(language="es"), profile, "es")

    assert '<html lang="es">' in html
    for value in (
        "Confirmación 7K3M-PQ4X",
        "Número de confirmación",
        "México",
        "5 de marzo de 2025",
        "Fecha de emisión",
        "Embajada de los Estados Unidos en La Paz, Bolivia",
        'href="https://bo.usembassy.gov/es/"',
        "Imprimir esta página",
        "Las oficinas de este asistente son datos de ejemplo",
    ):
        assert value in html
    assert "Llévela a la oficina de DHL" in html


def test_print_button_pdf_link_and_print_css(profile):
    html = render_confirmation_html(make_confirmation(), profile, "en")

    assert '<button type="button" id="print">Print this page</button>' in html
    assert f'<a href="{TOKEN}.pdf">' in html
    assert "@media print" in html
    # Self-contained: no stylesheet, image or script fetched from anywhere.
    assert "<link" not in html
    assert "src=" not in html


def test_pdf_link_keeps_a_language_override(profile):
    html = render_confirmation_html(make_confirmation(language="en"), profile, "es")

    assert f'<a href="{TOKEN}.pdf?lang=es">' in html


def test_nonce_is_set_on_style_and_script(profile):
    html = render_confirmation_html(make_confirmation(), profile, "en", nonce="n0nce")

    assert '<style nonce="n0nce">' in html
    assert '<script nonce="n0nce">' in html


def test_sample_note_is_left_out_for_real_offices(profile):
    real = dataclasses.replace(profile, offices_are_samples=False)

    html = render_confirmation_html(make_confirmation(), real, "en")

    assert "sample data" not in html


def test_office_no_longer_in_the_profile_is_named_by_id(profile):
    html = render_confirmation_html(make_confirmation(office_id="OLD-9"), profile, "en")

    assert "Office “OLD-9” (no longer on the list of offices)" in html


def test_markup_in_every_value_is_shown_as_text(profile):
    hostile = "<script>alert(1)</script>"
    confirmation = make_confirmation(
        number=hostile,
        token='"><script>x</script>',
        office_id=hostile,
        passport_masked=hostile,
        nationality=hostile,
    )
    hostile_profile = dataclasses.replace(
        profile, name={"en": hostile}, courier=hostile, official_page={"en": 'https://x/"><script>'}
    )

    html = render_confirmation_html(confirmation, hostile_profile, "en", nonce='"><script>')

    assert html.count("<script") == 1  # the page's own print script
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="https://x/&quot;&gt;&lt;script&gt;"' in html
    assert 'href="%22%3E%3Cscript%3Ex%3C%2Fscript%3E.pdf"' in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_not_found_page(language):
    html = render_not_found_html(language)

    assert f'<html lang="{language}">' in html
    assert f"<title>{t('page.not_found.title', language)}</title>" in html
    assert "<h1>" in html


def test_not_found_page_for_an_unknown_language_is_english():
    assert "Confirmation not found" in render_not_found_html("fr")


@pytest.mark.parametrize("language", ["en", "es"])
def test_unavailable_page(language):
    html = render_unavailable_html(language, nonce="abc")

    assert f'<html lang="{language}">' in html
    assert f"<title>{t('page.unavailable.title', language)}</title>" in html
    assert f"<p>{t('page.unavailable.body', language)}</p>" in html
    assert '<style nonce="abc">' in html
    assert "<script" not in html


def test_unavailable_page_texts():
    assert "Nothing was lost" in render_unavailable_html("en")
    assert "No se perdió nada" in render_unavailable_html("es")
    assert "Nothing was lost" in render_unavailable_html("fr")
