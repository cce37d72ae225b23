"""The printable confirmation page: content in both languages, escaping, not-found and unavailable pages."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from html import escape

import pytest

from bot.core.confirmation_page import (
    qr_code,
    qr_svg,
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


# Deadline, checklist and QR code

NOW = datetime(2025, 5, 27, 16, 0, tzinfo=timezone.utc)  # noon in La Paz, 19 days before the deadline


def with_details(**changes: object) -> Confirmation:
    values: dict[str, object] = {
        "interview_date": date(2024, 6, 15),
        "documents": ("passport", "police_certificate", "other"),
    }
    values.update(changes)
    return make_confirmation(**values)


def test_english_page_shows_the_deadline_the_warning_and_the_checklist(profile):
    html = render_confirmation_html(with_details(), profile, "en", now=NOW)

    assert "<h2>Deadline to send your documents</h2>" in html
    assert '<section class="deadline deadline-soon">' in html
    assert "Your documents must reach the consular section by 15 June 2025" in html
    assert '<p class="warning">Little time left: 19 days until 15 June 2025.' in html
    assert f'<a href="{TOKEN}.ics" download>Add a reminder to your calendar (.ics)</a>' in html
    assert "<h2>Checklist: documents to send</h2>" in html
    passport = profile.checklist_item("passport")
    police = profile.checklist_item("police_certificate")
    assert (
        '<li><span class="box" aria-hidden="true">☐</span><strong>Valid passport</strong>'
        f'<span class="hint">{escape(passport.hint_in("en"))}</span></li>'
    ) in html
    assert f"<strong>{police.label('en')}</strong>" in html
    assert "<strong>Other documents listed in your officer&#x27;s note</strong></li>" in html
    assert html.count("☐") == 3
    assert "Send every document your officer&#x27;s note asks for" in html
    assert "The documents listed in your officer" not in html
    # The deadline comes right after the number, before the fields.
    assert html.index("Deadline to send") < html.index("Date issued") < html.index("Checklist:")


def test_spanish_page_shows_the_deadline_and_the_checklist(profile):
    html = render_confirmation_html(with_details(language="es"), profile, "es", now=NOW)

    assert "<h2>Plazo para enviar sus documentos</h2>" in html
    assert "Sus documentos deben llegar a la sección consular hasta el 15 de junio de 2025" in html
    assert "Queda poco tiempo: faltan 19 días para el 15 de junio de 2025." in html
    assert "Agregar un recordatorio a su calendario (.ics)" in html
    assert "<strong>Pasaporte vigente</strong>" in html
    assert escape(profile.checklist_item("passport").hint_in("es")) in html
    assert "<strong>Otros documentos indicados en la nota del oficial consular</strong>" in html


def test_without_details_no_deadline_and_the_officers_note_as_checklist(profile):
    for language, fallback in [
        ("en", "The documents listed in your officer&#x27;s note"),
        ("es", "Los documentos indicados en la nota del oficial consular"),
    ]:
        html = render_confirmation_html(make_confirmation(), profile, language, now=NOW)

        assert 'class="deadline' not in html
        assert ".ics" not in html
        assert t("deadline.heading", language) not in html
        assert f'<span class="box" aria-hidden="true">☐</span><strong>{fallback}</strong></li>' in html
        assert html.count("☐") == 1
        assert escape(t("checklist.note", language)) not in html


def test_an_empty_document_list_also_shows_the_officers_note(profile):
    html = render_confirmation_html(with_details(documents=()), profile, "en", now=NOW)

    assert "The documents listed in your officer&#x27;s note" in html
    assert "Deadline to send your documents" in html


def test_plenty_of_time_shows_no_warning(profile):
    html = render_confirmation_html(
        with_details(), profile, "en", now=datetime(2025, 1, 2, 16, tzinfo=timezone.utc)
    )

    assert '<section class="deadline deadline-ok">' in html
    assert 'class="warning"' not in html
    assert f"{TOKEN}.ics" in html


def test_a_passed_deadline_is_explained_without_a_calendar_link(profile):
    html = render_confirmation_html(
        with_details(), profile, "en", now=datetime(2025, 7, 1, 16, tzinfo=timezone.utc)
    )

    assert '<section class="deadline deadline-passed">' in html
    assert "The year to present your documents ended on 15 June 2025" in html
    assert '<p class="warning">The official visa information page says' in html
    assert "your case will be closed" in html
    assert ".ics" not in html


def test_the_calendar_link_keeps_a_language_override(profile):
    html = render_confirmation_html(with_details(language="en"), profile, "es", now=NOW)

    assert f'<a href="{TOKEN}.ics?lang=es" download>' in html


def test_documents_no_longer_on_the_checklist_count_as_other(profile):
    html = render_confirmation_html(
        with_details(documents=("gone_document", "passport")), profile, "en", now=NOW
    )

    assert html.index("Valid passport") < html.index("Other documents listed in your officer")
    assert html.count("☐") == 2
    assert "gone_document" not in html


def test_markup_in_checklist_entries_is_shown_as_text(profile):
    item = dataclasses.replace(
        profile.checklist[0], id="x", name={"en": "<b>Doc</b>"}, hint={"en": "<script>alert(1)</script>"}
    )
    hostile = dataclasses.replace(profile, checklist=(item,))

    html = render_confirmation_html(with_details(documents=("x",)), hostile, "en", now=NOW)

    assert "<strong>&lt;b&gt;Doc&lt;/b&gt;</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_shows_the_qr_code_as_inline_svg(profile):
    html = render_confirmation_html(make_confirmation(), profile, "es")

    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    assert svg.startswith('<svg role="img" aria-label="Código QR con el número de confirmación" ')
    assert "<title>Código QR con el número de confirmación</title>" in svg
    assert svg.count("<rect") > 100  # the modules of the code
    assert 'fill="rgb(0%,0%,0%)"' in svg
    assert "<figcaption>Código QR con el número de confirmación</figcaption></figure>" in html
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html


def test_the_qr_svg_has_no_style_attribute_for_the_csp(profile):
    # The page's CSP allows only the nonce'd <style>: a style="" attribute would be ignored.
    html = render_confirmation_html(with_details(), profile, "en", nonce="abc", now=NOW)

    assert "style=" not in html
    assert html.count("<style") == 1


def test_qr_svg_draws_the_same_modules_as_the_pdfs_drawing():
    svg = qr_svg("7K3M-PQ4X", "label", size=100)
    drawing = qr_code("7K3M-PQ4X", 100)

    (widget,) = drawing.contents
    assert widget.value == "7K3M-PQ4X"
    assert 'width="100" height="100"' in svg
    # One rectangle for the background, the others for the dark modules.
    dark = svg.count('fill="rgb(0%,0%,0%)"')
    assert dark > 50
    assert svg.count("<rect") == dark + 2  # and the clipping rectangle
    assert qr_svg("OTHER-NUM", "label", size=100) != svg
