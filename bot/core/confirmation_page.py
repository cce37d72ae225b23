"""The printable confirmation page (HTML), and the content it shares with the PDF.

`confirmation_content` gathers every text shown on a confirmation, in one
language, from the locales and the embassy profile (with the deadline and the
checklist when the confirmation has details); the HTML page here and the PDF in
bot/core/confirmation_pdf.py only lay it out. Every value is HTML-escaped.

The QR code of the confirmation number is drawn by reportlab for both: a Drawing
for the PDF, and the same drawing as inline SVG for the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

from bot.core.countries import country_name
from bot.core.dates import format_date
from bot.core.deadline import DeadlineMessage, DeadlineStatus, compute_deadline, deadline_message
from bot.core.i18n import normalise_language, t
from bot.core.profile import OTHER_DOCUMENT, EmbassyProfile
from bot.core.registry import Confirmation

QR_SVG_SIZE = 132  # CSS pixels, 3.5 cm


def qr_code(value: str, size: float) -> Drawing:
    """A square drawing of `size` points holding a QR code of `value`."""
    widget = QrCodeWidget(value)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


_SVG_START = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_SVG_STYLE = re.compile(r' style="([^"]*)"')
_SVG_PLACEHOLDERS = re.compile(r"\s*<(title|desc)>\.\.\.</\1>")


def _style_as_attributes(match: re.Match[str]) -> str:
    """style="fill: none; stroke: none" -> fill="none" stroke="none" (presentation
    attributes, which a CSP without 'unsafe-inline' lets through)."""
    declarations = (part.split(":", 1) for part in match[1].split(";") if ":" in part)
    return "".join(f' {name.strip()}="{escape(value.strip())}"' for name, value in declarations)


def qr_svg(value: str, label: str, size: int = QR_SVG_SIZE) -> str:
    """The QR code of `value` as an <svg> element to put inline in a page, named
    `label` for screen readers; it has no style attribute, so the page's CSP keeps
    it as drawn."""
    svg = renderSVG.drawToString(qr_code(value, size))
    svg = _SVG_START.sub("", svg, count=1)
    svg = _SVG_PLACEHOLDERS.sub("", svg)
    svg = _SVG_STYLE.sub(_style_as_attributes, svg)
    svg = re.sub(r">\s+<", "><", svg)
    # The first rectangle is the background, left unfilled by reportlab: make it white.
    svg = svg.replace('fill="none"', 'fill="#ffffff"', 1)
    return (
        svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
        .replace(">", f"><title>{escape(label)}</title>", 1)
        .strip()
    )


@dataclass(frozen=True)
class Field:
    label: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistLine:
    """A document to send: its name and, for a checklist entry, its one-sentence hint."""

    text: str
    hint: str | None


@dataclass(frozen=True)
class DeadlineContent:
    heading: str
    message: DeadlineMessage
    status: DeadlineStatus


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
    qr_caption: str
    # None when the confirmation has no interview date.
    deadline: DeadlineContent | None
    checklist_heading: str
    checklist_intro: str
    # The requested documents, or the officer's note when none were given.
    checklist: tuple[ChecklistLine, ...]
    # "Send every document your note asks for", under a list of named documents.
    checklist_note: str | None


def checklist_lines(
    documents: tuple[str, ...] | None, profile: EmbassyProfile, language: str
) -> tuple[ChecklistLine, ...]:
    """The documents' names and hints in `language`, in the order given; "other" and
    any id no longer on the profile's checklist become one "other documents" line, at
    the end; without documents, the one line "the documents listed in your note"."""
    lines = []
    other = False
    for document_id in documents or ():
        item = profile.checklist_item(document_id) if document_id != OTHER_DOCUMENT else None
        if item is None:
            other = True
        else:
            lines.append(ChecklistLine(item.label(language), item.hint_in(language)))
    if other:
        lines.append(ChecklistLine(t("checklist.other", language), None))
    return tuple(lines) or (ChecklistLine(t("checklist.fallback", language), None),)


def _deadline_content(
    confirmation: Confirmation, profile: EmbassyProfile, language: str, now: datetime | None
) -> DeadlineContent | None:
    if confirmation.interview_date is None:
        return None
    deadline = compute_deadline(confirmation.interview_date, profile.timezone, now)
    return DeadlineContent(
        heading=t("deadline.heading", language),
        message=deadline_message(deadline, language, embassy=profile.display_name(language)),
        status=deadline.status,
    )


def confirmation_content(
    confirmation: Confirmation,
    profile: EmbassyProfile,
    language: str,
    *,
    now: datetime | None = None,
) -> ConfirmationContent:
    """Every text of a confirmation in `language`, in display order; the days left to
    the deadline are counted at `now` (default: now) in the embassy's time zone."""
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
        qr_caption=t("page.confirmation.qr", language),
        deadline=_deadline_content(confirmation, profile, language, now),
        checklist_heading=t("checklist.heading", language),
        checklist_intro=t("checklist.intro", language),
        checklist=checklist_lines(confirmation.documents, profile, language),
        checklist_note=t("checklist.note", language) if confirmation.documents else None,
    )


_CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #111; background: #fff;
  margin: 0; line-height: 1.5; }
main { max-width: 44rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin-top: 0; }
h2 { font-size: 1.2rem; margin-top: 1.5rem; }
.number { border: 2px solid #111; padding: 0.75rem 1rem; margin: 1rem 0; display: flex;
  flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 1rem; }
.number p { margin: 0; }
.number strong { display: block; font-size: 2rem; letter-spacing: 0.08em; }
.qr { margin: 0; text-align: center; max-width: 10rem; }
.qr svg { display: block; margin: 0 auto; }
.qr figcaption { font-size: 0.8rem; }
.warning { border-left: 4px solid #b00020; padding-left: 0.75rem; font-weight: bold; }
.checklist { list-style: none; padding-left: 0; }
.checklist li { margin: 0.5rem 0; padding-left: 2rem; text-indent: -2rem; }
.checklist .box { display: inline-block; width: 2rem; text-indent: 0; font-size: 1.3rem; }
.checklist .hint { display: block; text-indent: 0; }
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


def _deadline_html(content: ConfirmationContent, calendar_href: str) -> str:
    deadline = content.deadline
    if deadline is None:
        return ""
    warning = deadline.message.warning
    calendar = (
        f'<p class="no-print"><a href="{escape(calendar_href)}" download>'
        f"{escape(t('page_extras.calendar', content.language))}</a></p>\n"
        if deadline.status is not DeadlineStatus.PASSED
        else ""
    )
    return (
        f'<section class="deadline deadline-{deadline.status.value}">\n'
        f"<h2>{escape(deadline.heading)}</h2>\n"
        f"<p>{escape(deadline.message.text)}</p>\n"
        + (f'<p class="warning">{escape(warning)}</p>\n' if warning else "")
        + calendar
        + "</section>\n"
    )


def _checklist_html(content: ConfirmationContent) -> str:
    items = "".join(
        '<li><span class="box" aria-hidden="true">\u2610</span>'
        f"<strong>{escape(line.text)}</strong>"
        + (f'<span class="hint">{escape(line.hint)}</span>' if line.hint else "")
        + "</li>\n"
        for line in content.checklist
    )
    note = f"<p>{escape(content.checklist_note)}</p>\n" if content.checklist_note else ""
    return (
        f'<section class="documents">\n<h2>{escape(content.checklist_heading)}</h2>\n'
        f"<p>{escape(content.checklist_intro)}</p>\n"
        f'<ul class="checklist">\n{items}</ul>\n{note}</section>\n'
    )


def render_confirmation_html(
    confirmation: Confirmation,
    profile: EmbassyProfile,
    language: str,
    *,
    nonce: str | None = None,
    now: datetime | None = None,
) -> str:
    """The complete printable page; `nonce` is set on its style and script tags, and
    the days left to the deadline are counted at `now` (default: now)."""
    content = confirmation_content(confirmation, profile, language, now=now)
    query = f"?lang={content.language}" if content.language != confirmation.language else ""
    token = quote(confirmation.token, safe="")
    pdf_href = f"{token}.pdf{query}"
    note = f'<p class="note">{escape(content.office_note)}</p>\n' if content.office_note else ""
    steps = "".join(f"<li>{escape(step)}</li>\n" for step in content.next_steps)
    body = (
        f"<h1>{escape(content.heading)}</h1>\n"
        '<div class="number">'
        f"<p>{escape(content.number_label)}<strong>{escape(content.number)}</strong></p>\n"
        f'<figure class="qr">{qr_svg(content.number, content.qr_caption)}'
        f"<figcaption>{escape(content.qr_caption)}</figcaption></figure>\n"
        "</div>\n"
        f"{_deadline_html(content, f'{token}.ics{query}')}"
        f"<dl>\n{''.join(_field_html(field) for field in content.fields)}</dl>\n"
        f"{note}"
        f"{_checklist_html(content)}"
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
