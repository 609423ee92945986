"""The printed confirmation sheet of the no-writing counter: a PDF the resident checks and signs.

It holds what the check screen holds (the procedure, every answer shown, the e-mail address) and a place
for the date and the resident's signature. The Japanese font is embedded (subset), so the sheet prints
the same on any printer or viewer, with no font installed there.

The font is a TrueType or OpenType (CFF) file or collection: `PROCEDURES_PDF_FONT` names one, otherwise
the first of FONT_CANDIDATES that exists (Debian's `fonts-noto-cjk`, which the test and start commands
install, comes first; Noto CJK and IPAex are under licences that allow embedding). Without a font the
sheet is not offered and the check screen stays the way to confirm.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/opt/homebrew/share/fonts/NotoSansCJK-Regular.ttc",
)


@dataclass(frozen=True)
class Font:
    path: str
    index: int
    """The face within a collection (.ttc): the Japanese one."""


def _japanese_face(path: str) -> int:
    """The index of the Japanese face in a font collection (Noto CJK holds JP, KR, SC, TC, HK)."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    with TTCollection(path, lazy=True) as collection:
        for index, face in enumerate(collection.fonts):
            family = str(face["name"].getDebugName(1) or "")
            if family.endswith(" JP") or "Japanese" in family or "JP" in family.split():
                return index
    return 0


def _fc_match() -> str:
    """fontconfig's choice for Japanese, when fontconfig is installed."""
    fc = shutil.which("fc-match")
    if fc is None:
        return ""
    try:
        found = subprocess.run(  # noqa: S603 - a fixed command, no user input
            [fc, "-f", "%{file}", ":lang=ja"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return found if found.lower().endswith((".ttf", ".otf", ".ttc", ".otc")) else ""


@functools.cache
def _find(configured: str) -> Font | None:
    paths = [configured] if configured else [*FONT_CANDIDATES, _fc_match()]
    for path in paths:
        if path and Path(path).is_file():
            return Font(path, _japanese_face(path))
    return None


def font() -> Font | None:
    """The Japanese font to embed, or None when this machine has none."""
    return _find(str(getattr(settings, "PROCEDURES_PDF_FONT", "") or ""))


def available() -> bool:
    return font() is not None


class NoFont(RuntimeError):
    """No Japanese font is installed: the sheet cannot be made."""


MARGIN = 18.0
LABEL_WIDTH = 52.0


def confirmation_sheet(
    *,
    title: str,
    rows: list[tuple[str, str]],
    email: str,
) -> bytes:
    """The sheet as PDF bytes (A4, one or more pages): title, answers, signature box."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    chosen = font()
    if chosen is None:
        raise NoFont("no Japanese font found: set PROCEDURES_PDF_FONT")
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(title)
    pdf.set_creator("Kaidan")
    pdf.set_lang("ja")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.add_font("jp", fname=chosen.path, collection_font_number=chosen.index)
    pdf.add_page()
    width = pdf.w - 2 * MARGIN

    def line(text: str, size: float, height: float, **kwargs: object) -> None:
        pdf.set_font("jp", size=size)
        pdf.multi_cell(width, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, **kwargs)  # type: ignore[arg-type]

    line(_("Confirmation sheet"), 11, 6)
    line(title, 18, 10)
    pdf.ln(2)
    line(
        _(
            "Please check the contents below. If anything is wrong, tell the staff; "
            "if everything is right, write the date and sign at the bottom."
        ),
        11,
        6,
    )
    pdf.ln(4)
    table = [*rows, *([(_("E-mail address"), email)] if email else [])]
    with pdf.table(
        col_widths=(LABEL_WIDTH, width - LABEL_WIDTH),
        width=width,
        first_row_as_headings=False,
        line_height=7,
        padding=2,
        text_align="LEFT",
    ) as grid:
        pdf.set_font("jp", size=12)
        for label, value in table:
            cells = grid.row()
            cells.cell(label)
            cells.cell(value or "—")
    pdf.ln(10)
    if pdf.get_y() > pdf.h - MARGIN - 50:
        pdf.add_page()
    line(_("I have checked the contents above and they are correct."), 12, 7)
    pdf.ln(3)
    pdf.set_font("jp", size=12)
    top = pdf.get_y()
    pdf.rect(MARGIN, top, width, 28)
    pdf.set_xy(MARGIN + 3, top + 3)
    pdf.cell(0, 7, _("Date") + "：　　　　年　　月　　日")
    pdf.set_xy(MARGIN + 3, top + 15)
    pdf.cell(0, 7, _("Signature") + "：")
    pdf.set_xy(MARGIN, top + 32)
    pdf.set_font("jp", size=8)
    printed = date_format(timezone.localtime(), "DATETIME_FORMAT")
    pdf.cell(0, 5, _("Printed at the counter on %(date)s") % {"date": printed})
    return bytes(pdf.output())
