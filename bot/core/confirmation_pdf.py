"""The confirmation as a PDF (reportlab), with a QR code of its number.

It lays out the same content as the HTML page (bot.core.confirmation_page): one page,
or two with a long checklist. Text is drawn in Helvetica, whose Latin-1 coverage
includes Spanish accents; every value is escaped because reportlab's Paragraph parses
markup. The checklist's boxes are drawn, not typed: Helvetica has no "☐".
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape, quoteattr

from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from bot.core import confirmation_page
from bot.core.confirmation_page import ConfirmationContent, confirmation_content
from bot.core.profile import EmbassyProfile
from bot.core.registry import Confirmation

QR_SIZE = 4 * cm
LABEL_WIDTH = 5.5 * cm
BOX_SIZE = 0.35 * cm  # a checklist entry's box

_BASE = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_BASE["BodyText"], fontName="Helvetica", fontSize=11)
_LABEL = ParagraphStyle("label", parent=_BODY, fontName="Helvetica-Bold")
_HEADING = ParagraphStyle("heading", parent=_BASE["Heading1"], fontName="Helvetica-Bold")
_SUBHEADING = ParagraphStyle("subheading", parent=_BASE["Heading2"], fontName="Helvetica-Bold")
_NUMBER = ParagraphStyle("number", parent=_BODY, fontName="Helvetica-Bold", fontSize=26, leading=32)
_CAPTION = ParagraphStyle("caption", parent=_BODY, fontSize=7.5, leading=9, alignment=TA_CENTER)
_WARNING = ParagraphStyle(
    "warning",
    parent=_BODY,
    fontName="Helvetica-Bold",
    borderColor=colors.HexColor("#b00020"),
    borderWidth=1,
    borderPadding=6,
    spaceBefore=6,
    spaceAfter=6,
)
_HINT = ParagraphStyle("hint", parent=_BODY, fontSize=9.5, leading=12)


def qr_code(value: str, size: float = QR_SIZE) -> Drawing:
    """A square drawing of `size` points holding a QR code of `value`."""
    return confirmation_page.qr_code(value, size)


def _box() -> Drawing:
    """An empty square to tick by hand."""
    drawing = Drawing(BOX_SIZE, BOX_SIZE)
    drawing.add(Rect(0, 0, BOX_SIZE, BOX_SIZE, fillColor=None, strokeColor=colors.black, strokeWidth=1))
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
                # The caption belongs to the code: under it, in the same cell.
                [qr_code(content.number), _paragraph(content.qr_caption, _CAPTION)],
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
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        )
    )
    url = content.official_page_url
    story: list[Flowable] = [_paragraph(content.heading, _HEADING), number, Spacer(0, 0.2 * cm)]
    story += _deadline_story(content)
    story += [Spacer(0, 0.2 * cm), fields, Spacer(0, 0.3 * cm)]
    if content.office_note:
        story.append(_paragraph(content.office_note))
    story += _checklist_story(content, width)
    story += [
        Paragraph(
            f'{escape(content.official_page_label)}: <a href={quoteattr(url)} color="blue">{escape(url)}</a>',
            _BODY,
        ),
        # Never split across two pages.
        KeepTogether(
            [
                _paragraph(content.next_heading, _SUBHEADING),
                ListFlowable(
                    [_paragraph(step) for step in content.next_steps],
                    bulletType="1",
                    bulletFontName="Helvetica",
                ),
            ]
        ),
    ]
    return story


def _deadline_story(content: ConfirmationContent) -> list[Flowable]:
    deadline = content.deadline
    if deadline is None:
        return []
    story: list[Flowable] = [
        _paragraph(deadline.heading, _SUBHEADING),
        _paragraph(deadline.message.text),
    ]
    if deadline.message.warning:
        story.append(_paragraph(deadline.message.warning, _WARNING))
    return story


def _checklist_story(content: ConfirmationContent, width: float) -> list[Flowable]:
    rows = [
        [
            _box(),
            [_paragraph(line.text, _LABEL)] + ([_paragraph(line.hint, _HINT)] if line.hint else []),
        ]
        for line in content.checklist
    ]
    box_column = BOX_SIZE + 0.4 * cm
    checklist = Table(rows, colWidths=[box_column, width - box_column], hAlign="LEFT")
    checklist.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (0, -1), 5),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story: list[Flowable] = [
        _paragraph(content.checklist_heading, _SUBHEADING),
        _paragraph(content.checklist_intro),
        Spacer(0, 0.15 * cm),
        checklist,
    ]
    if content.checklist_note:
        story.append(_paragraph(content.checklist_note))
    return story


def render_confirmation_pdf(
    confirmation: Confirmation,
    profile: EmbassyProfile,
    language: str,
    *,
    now: datetime | None = None,
) -> bytes:
    """The confirmation in `language` as PDF bytes; the days left to the deadline are
    counted at `now` (default: now)."""
    content = confirmation_content(confirmation, profile, language, now=now)
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
