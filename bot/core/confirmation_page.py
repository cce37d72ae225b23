"""The printable confirmation page (HTML), and the content it shares with the PDF.

`confirmation_content` gathers every text shown on a confirmation, in one
language, from the locales and the embassy profile; the HTML page here and the
PDF in bot/confirmation_pdf.py only lay it out. Every value is HTML-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from bot.core.countries import country_name
from bot.core.dates import format_date
from bot.core.i18n import normalise_language, t
from bot.core.profile import EmbassyProfile
from bot.core.registry import Confirmation


@dataclass(frozen=True)
class Field:
    label: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ConfirmationContent:
    language: str
    title: str
    heading: str
    number_label: str
    number: str
    fields: tuple[Field, ...]
    office_note: str | None
    official_page_label: str
    official_page_url: str
    next_heading: str
    next_steps: tuple[str, ...]


def confirmation_content(
    confirmation: Confirmation, profile: EmbassyProfile, language: str
) -> ConfirmationContent:
    """Every text of a confirmation in `language`, in display order."""
    language = normalise_language(language)
    courier = profile.courier
    office = profile.office(confirmation.office_id)
    if office is None:
        office_lines: tuple[str, ...] = (
            t("page.confirmation.office_unknown", language, office_id=confirmation.office_id),
        )
    else:
        office_lines = (office.name, office.address, office.city)
    office_note = (
        t("page.confirmation.office_samples", language, courier=courier)
        if profile.offices_are_samples
        else None
    )
    return ConfirmationContent(
        language=language,
        title=t("page.confirmation.title", language, number=confirmation.number),
        heading=t("page.confirmation.heading", language, courier=courier),
        number_label=t("page.confirmation.number", language),
        number=confirmation.number,
        fields=(
            Field(t("page.confirmation.passport", language), (confirmation.passport_masked,)),
            Field(
                t("page.confirmation.nationality", language),
                (country_name(confirmation.nationality, language),),
            ),
            Field(t("page.confirmation.office", language), office_lines),
            Field(
                t("page.confirmation.issued_on", language),
                (format_date(confirmation.issued_on.isoformat(), language),),
            ),
            Field(t("page.confirmation.embassy", language), (profile.display_name(language),)),
        ),
        office_note=office_note,
        official_page_label=t("page.confirmation.official_page", language),
        official_page_url=profile.page(language),
        next_heading=t("page.confirmation.next_heading", language),
        next_steps=(
            t("page.confirmation.next_print", language),
            t("page.confirmation.next_take", language, courier=courier),
            t("page.confirmation.next_return", language, courier=courier),
            t("page.confirmation.next_fee", language),
        ),
    )


_CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #111; background: #fff;
  margin: 0; line-height: 1.5; }
main { max-width: 44rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin-top: 0; }
h2 { font-size: 1.2rem; margin-top: 1.5rem; }
.number { border: 2px solid #111; padding: 0.75rem 1rem; margin: 1rem 0; }
.number strong { display: block; font-size: 2rem; letter-spacing: 0.08em; }
dl { display: grid; grid-template-columns: minmax(8rem, 14rem) 1fr; gap: 0.4rem 1rem; }
dt { font-weight: bold; }
dd { margin: 0; }
dd span { display: block; }
.note { border-left: 4px solid #8a5a00; padding-left: 0.75rem; }
a { color: #0b4f9c; }
a:focus, button:focus { outline: 3px solid #f0b400; outline-offset: 2px; }
button { font: inherit; padding: 0.5rem 1rem; margin-right: 1rem; cursor: pointer; }
@media print {
  .no-print { display: none; }
  main { padding: 0; }
  a { color: #111; }
  a[href^="http"]::after { content: " (" attr(href) ")"; }
}
"""

# The print button needs script; it runs under the page's CSP nonce.
_PRINT_SCRIPT = 'document.getElementById("print").addEventListener("click", function () { window.print(); });'


def _nonce_attribute(nonce: str | None) -> str:
    return f' nonce="{escape(nonce)}"' if nonce else ""


def _document(language: str, title: str, body: str, nonce: str | None, script: str | None = None) -> str:
    nonce_attribute = _nonce_attribute(nonce)
    script_tag = f"<script{nonce_attribute}>{script}</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(language)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{escape(title)}</title>\n"
        f"<style{nonce_attribute}>{_CSS}</style>\n"
        "</head>\n"
        "<body>\n"
        f"<main>\n{body}</main>\n"
        f"{script_tag}"
        "</body>\n"
        "</html>\n"
    )


def _field_html(field: Field) -> str:
    value = "".join(f"<span>{escape(line)}</span>" for line in field.lines)
    return f"<dt>{escape(field.label)}</dt><dd>{value}</dd>\n"


def render_confirmation_html(
    confirmation: Confirmation,
    profile: EmbassyProfile,
    language: str,
    *,
    nonce: str | None = None,
) -> str:
    """The complete printable page; `nonce` is set on its style and script tags."""
    content = confirmation_content(confirmation, profile, language)
    pdf_href = f"{quote(confirmation.token, safe='')}.pdf"
    if content.language != confirmation.language:
        pdf_href += f"?lang={content.language}"
    note = f'<p class="note">{escape(content.office_note)}</p>\n' if content.office_note else ""
    steps = "".join(f"<li>{escape(step)}</li>\n" for step in content.next_steps)
    body = (
        f"<h1>{escape(content.heading)}</h1>\n"
        f'<p class="number">{escape(content.number_label)}'
        f"<strong>{escape(content.number)}</strong></p>\n"
        f"<dl>\n{''.join(_field_html(field) for field in content.fields)}</dl>\n"
        f"{note}"
        f'<p><a href="{escape(content.official_page_url)}" rel="noopener noreferrer">'
        f"{escape(content.official_page_label)}</a></p>\n"
        f"<h2>{escape(content.next_heading)}</h2>\n"
        f"<ol>\n{steps}</ol>\n"
        '<p class="no-print">'
        f'<button type="button" id="print">{escape(t("page.confirmation.print", language))}'
        "</button>"
        f'<a href="{escape(pdf_href)}">{escape(t("page.confirmation.pdf", language))}</a></p>\n'
    )
    return _document(content.language, content.title, body, nonce, _PRINT_SCRIPT)


def render_not_found_html(language: str, *, nonce: str | None = None) -> str:
    """The page shown for an unknown or malformed confirmation link."""
    language = normalise_language(language)
    title = t("page.not_found.title", language)
    body = f"<h1>{escape(title)}</h1>\n<p>{escape(t('page.not_found.body', language))}</p>\n"
    return _document(language, title, body, nonce)


def render_unavailable_html(language: str, *, nonce: str | None = None) -> str:
    """The page shown when the database cannot be reached: nothing is lost, try again soon."""
    language = normalise_language(language)
    title = t("page.unavailable.title", language)
    body = f"<h1>{escape(title)}</h1>\n<p>{escape(t('page.unavailable.body', language))}</p>\n"
    return _document(language, title, body, nonce)
