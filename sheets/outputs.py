"""File formats for the coordinator outputs: drafts as txt/docx/pdf, and reading a txt/docx/pdf back as text.

The engine builds the content (engine.drafts.Draft); this adapter only lays it out. The heavy libraries
(python-docx, fpdf2, pypdf) are imported inside the functions, so importing this module costs nothing.
The PDF uses the DejaVu Sans font shipped with matplotlib (full Unicode: å ä ö – …), falling back to a
core font with unmappable characters replaced.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

# control characters XML (docx) forbids and fonts cannot draw; sheet cells may hold them
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(text: str) -> str:
    return _CONTROL.sub("", text)

FORMATS = ("txt", "docx", "pdf")


class OutputError(Exception):
    """A file could not be written or read; a clear Swedish message."""


def format_for(path: str | None, requested: str | None) -> str:
    if requested:
        return requested
    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    return suffix if suffix in FORMATS else "txt"


def render_draft(draft: Any, fmt: str) -> bytes:
    draft = _clean_draft(draft)
    if fmt == "txt":
        return draft.plain_text().encode("utf-8")
    if fmt == "docx":
        return _docx(draft)
    if fmt == "pdf":
        return _pdf(draft)
    raise OutputError(f"okänt format ”{fmt}” (välj txt, docx eller pdf)")


def _clean_draft(draft: Any) -> Any:
    """The same draft with control characters removed from every text (sheet cells may hold them)."""
    import dataclasses

    fields = [dataclasses.replace(f, label=_printable(f.label), value=_printable(f.value),
                                  source=_printable(f.source), note=_printable(f.note)) for f in draft.fields]
    return dataclasses.replace(draft, title=_printable(draft.title), fields=fields,
                               notes=[_printable(n) for n in draft.notes])


def write_bytes(path: str | Path, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as e:
        raise OutputError(f"Kan inte skriva filen {path}: {e.strerror or e}") from None


# ------------------------------------------------------------------ docx


def _docx(draft: Any) -> bytes:
    import io

    from docx import Document
    from docx.shared import Pt, RGBColor

    doc = Document()
    doc.add_heading(draft.title, level=1)
    for i, note in enumerate(draft.notes):
        p = doc.add_paragraph()
        run = p.add_run(note)
        if draft.estimate and i == 0:
            run.bold = True
            run.font.size = Pt(14)
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    head = table.rows[0].cells
    for cell, text in zip(head, ("Fält", "Värde", "Källa / anmärkning"), strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for f in draft.fields:
        cells = table.add_row().cells
        cells[0].text = f.label
        run = cells[1].paragraphs[0].add_run(f.shown)
        run.bold = f.estimate or not f.value
        cells[2].text = "\n".join(x for x in (f.source and f"Källa: {f.source}", f.note) if x)
    if draft.blanks:
        doc.add_paragraph(f"{len(draft.blanks)} fält märkta [ATT FYLLA I] kan inte hämtas ur dokumenten "
                          "eller arket och fylls i av er.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------ pdf


def unicode_font() -> Path | None:
    """DejaVu Sans from matplotlib's package data (found without importing matplotlib)."""
    spec = importlib.util.find_spec("matplotlib")
    for base in (spec.submodule_search_locations or []) if spec else []:
        path = Path(base) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.exists():
            return path
    return None


def _pdf(draft: Any) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    font = unicode_font()
    if font is not None:
        pdf.add_font("DejaVu", "", str(font))
        family = "DejaVu"

        def clean(s: str) -> str:
            return s
    else:  # pragma: no cover - matplotlib is a dependency
        family = "Helvetica"

        def clean(s: str) -> str:
            return s.replace("–", "-").replace("…", "...").encode("latin-1", "replace").decode("latin-1")

    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: float = 10, color: tuple[int, int, int] = (0, 0, 0), gap: float = 1.5) -> None:
        pdf.set_font(family, size=size)
        pdf.set_text_color(*color)
        pdf.multi_cell(width, size * 0.5, clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(draft.title, 15, gap=3)
    for i, note in enumerate(draft.notes):
        if draft.estimate and i == 0:
            para(note, 13, (192, 0, 0))
        else:
            para(note, 9, (60, 60, 60))
    pdf.ln(2)
    for f in draft.fields:
        para(f"{f.label}: {f.shown}", 10.5, (192, 0, 0) if f.estimate else (0, 0, 0), gap=0.5)
        extra = "; ".join(x for x in (f.note, f.source and f"Källa: {f.source}") if x)
        if extra:
            para(extra, 8, (90, 90, 90), gap=2)
    if draft.blanks:
        para(f"{len(draft.blanks)} fält märkta [ATT FYLLA I] kan inte hämtas ur dokumenten eller arket "
             "och fylls i av er.", 9)
    return bytes(pdf.output())


# ------------------------------------------------------------------ reading back (faktura --kontrollera)


def read_document_text(path: str | Path) -> str:
    """The text of a .txt, .docx or .pdf file (kept minimal; the document adapter of #11 may replace it)."""
    path = Path(path)
    if not path.exists():
        raise OutputError(f"Filen {path} finns inte.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            from docx import Document

            doc = Document(str(path))
            parts = [p.text for p in doc.paragraphs]
            for table in doc.tables:
                for row in table.rows:
                    parts.append(" | ".join(c.text for c in row.cells))
            return "\n".join(parts)
        if suffix == ".pdf":
            from pypdf import PdfReader

            return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
        raw = path.read_bytes()
    except OutputError:
        raise
    except Exception as e:  # noqa: BLE001 - a broken file is one clear line
        raise OutputError(f"Kan inte läsa {path.name}: {type(e).__name__}: {e}") from None
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
