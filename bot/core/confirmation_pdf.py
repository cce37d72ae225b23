"""The confirmation as a one-page PDF (reportlab), with a QR code of its number.

It lays out the same content as the HTML page (bot.core.confirmation_page). Text is
drawn in Helvetica, whose Latin-1 coverage includes Spanish accents; every
value is escaped because reportlab's Paragraph parses markup.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape, quoteattr

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    ListFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from bot.core.confirmation_page import ConfirmationContent, confirmation_content
from bot.core.i18n import t
from bot.core.profile import EmbassyProfile
from bot.core.registry import Confirmation

QR_SIZE = 4 * cm
LABEL_WIDTH = 5.5 * cm

_BASE = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_BASE["BodyText"], fontName="Helvetica", fontSize=11)
_LABEL = ParagraphStyle("label", parent=_BODY, fontName="Helvetica-Bold")
_HEADING = ParagraphStyle("heading", parent=_BASE["Heading1"], fontName="Helvetica-Bold")
_SUBHEADING = ParagraphStyle("subheading", parent=_BASE["Heading2"], fontName="Helvetica-Bold")
_NUMBER = ParagraphStyle("number", parent=_BODY, fontName="Helvetica-Bold", fontSize=26, leading=32)


def qr_code(value: str, size: float = QR_SIZE) -> Drawing:
    """A square drawing of `size` points holding a QR code of `value`."""
    widget = QrCodeWidget(value)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def _paragraph(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _story(content: ConfirmationContent, width: float) -> list[Flowable]:
    """The flowables of the page, for a frame `width` points wide."""
    rows = [
        [_paragraph(field.label, _LABEL), Paragraph("<br/>".join(map(escape, field.lines)), _BODY)]
        for field in content.fields
    ]
    fields = Table(rows, colWidths=[LABEL_WIDTH, width - LABEL_WIDTH], hAlign="LEFT")
    fields.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.grey),
            ]
        )
    )
    qr_cell_width = QR_SIZE + 0.5 * cm
    number = Table(
        [
            [
                [_paragraph(content.number_label, _LABEL), _paragraph(content.number, _NUMBER)],
                qr_code(content.number),
            ]
        ],
        colWidths=[width - qr_cell_width, qr_cell_width],
        hAlign="LEFT",
    )
    number.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, 0), 10),
            ]
        )
    )
    url = content.official_page_url
    story: list[Flowable] = [
        _paragraph(content.heading, _HEADING),
        number,
        _paragraph(t("page.confirmation.qr", content.language)),
        Spacer(0, 0.4 * cm),
        fields,
        Spacer(0, 0.3 * cm),
    ]
    if content.office_note:
        story.append(_paragraph(content.office_note))
    story += [
        Paragraph(
            f'{escape(content.official_page_label)}: <a href={quoteattr(url)} color="blue">{escape(url)}</a>',
            _BODY,
        ),
        _paragraph(content.next_heading, _SUBHEADING),
        ListFlowable(
            [_paragraph(step) for step in content.next_steps],
            bulletType="1",
            bulletFontName="Helvetica",
        ),
    ]
    return story


def render_confirmation_pdf(confirmation: Confirmation, profile: EmbassyProfile, language: str) -> bytes:
    """The confirmation in `language` as PDF bytes."""
    content = confirmation_content(confirmation, profile, language)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=content.title,
        author=profile.display_name(content.language),
        lang=content.language,
    )
    document.build(_story(content, document.width))
    return buffer.getvalue()
