"""A :class:`~kasuhara_live.reports.document.Document` as Markdown with the same content as the HTML.

Call text is escaped three times over: HTML special characters (Markdown viewers render inline HTML, and a
caller's words must never become markup), the Markdown characters that would change the layout (``| * _``…)
and control characters, made visible (``\x1b``): a Markdown file is often read with ``cat`` on a terminal.
"""

from __future__ import annotations

import re
from html import escape

from kasuhara_live.printable import printable
from kasuhara_live.reports.document import AxisGrid, Block, Cell, Chart, Document, Facts, Paragraph, Table

_MARKDOWN = re.compile(r"([\\`*_\[\]|#])")
_LIST_BREAK = "  \n  "


def md_escape(value: str, newline: str = "<br>") -> str:
    """Text safe inside a Markdown table cell (line breaks become ``<br>``) or, with ``newline``, elsewhere."""
    escaped = _MARKDOWN.sub(r"\\\1", escape(value, quote=False))
    return printable(escaped.replace("\r", ""), newlines=True).replace("\n", newline)


def _cell(cell: str | Cell) -> str:
    if isinstance(cell, str):
        return md_escape(cell)
    return f"**{md_escape(cell.text)}**" if cell.level is not None else md_escape(cell.text)


def _table(headers: tuple[str, ...], rows: list[list[str]], numeric: tuple[int, ...] = ()) -> list[str]:
    align = ["---:" if i in numeric else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(md_escape(h) for h in headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _number(value: float) -> str:
    return f"{value:g}"


def _block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        lines = [md_escape(line) for line in block.text.splitlines()]
        if block.tone == "summary":
            return [f"- {line}" for line in lines]
        if block.tone == "note":
            return ["> " + "  \n> ".join(lines)]
        return [f"_{line}_  " if block.tone == "muted" else f"{line}  " for line in lines]
    if isinstance(block, Facts):
        # A hard break (two spaces) and an indent keep a multi-line value inside its list item.
        return [f"- **{md_escape(k)}**: {md_escape(v, newline=_LIST_BREAK)}" for k, v in block.items]
    if isinstance(block, Table):
        if not block.rows:
            return [f"_{md_escape(block.empty)}_"] if block.empty else []
        return _table(block.headers, [[_cell(c) for c in row.cells] for row in block.rows], block.numeric)
    if isinstance(block, Chart):
        headers = ("", *(s.name for s in block.series))
        rows = [[md_escape(label), *(_number(s.values[i]) for s in block.series)]
                for i, label in enumerate(block.labels)]
        return [f"**{md_escape(block.title)}**", "", *_table(headers, rows, tuple(range(1, len(headers))))]
    if isinstance(block, AxisGrid):
        return _axis_grid(block)
    raise TypeError(f"unknown block {type(block).__name__}")


def _axis_grid(grid: AxisGrid) -> list[str]:
    conducts, demands = ("acceptable", "grey", "unacceptable"), ("valid", "grey", "invalid")
    rows = []
    for ci in (2, 1, 0):  # conduct up: the worst row first
        marks = ["●" if conducts[ci] == grid.conduct and d == grid.demand else "" for d in demands]
        rows.append([f"**{md_escape(grid.conduct_labels[ci])}**", *marks])
    headers = (f"{grid.axis_names[0]} ＼ {grid.axis_names[1]}", *grid.demand_labels)
    return [f"**{md_escape(grid.title)}**", "", *_table(headers, rows)]


def render_markdown(doc: Document) -> str:
    """The whole document as Markdown."""
    lines = [f"# {md_escape(doc.title)}", ""]
    if doc.subtitle:
        lines += [md_escape(doc.subtitle), ""]
    for notice in doc.notices:
        lines += [f"> **{md_escape(notice)}**", ""]
    for section in doc.sections:
        lines += ["#" * max(2, section.depth) + " " + md_escape(section.title), ""]
        for block in section.blocks:
            rendered = _block(block)
            if rendered:
                lines += [*rendered, ""]
    if doc.footer:
        lines += ["---", "", *(f"_{md_escape(line)}_  " for line in doc.footer), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
