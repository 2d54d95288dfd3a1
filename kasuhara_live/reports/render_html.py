"""A :class:`~kasuhara_live.reports.document.Document` as one self-contained HTML file.

Everything from the call (words, names, notes) is escaped here with :func:`html.escape`, its control characters
made visible (``\x1b``: the file may be printed on a terminal); the only markup is what this module writes. No
scripts, no external fonts, images or stylesheets.
"""

from __future__ import annotations

import html

from kasuhara_live.printable import printable
from kasuhara_live.reports.document import AxisGrid, Block, Cell, Chart, Document, Facts, Paragraph, Row, Table
from kasuhara_live.reports.style import CSS
from kasuhara_live.reports.svg import axis_grid_svg, chart_svg


def escape(value: str) -> str:
    """``value`` as HTML text (quotes too: it may sit in an attribute), control characters made visible."""
    return html.escape(printable(value, newlines=True))


def _text(value: str) -> str:
    # Notes and messages may hold line breaks; keep them visible.
    return escape(value).replace("\n", "<br>")


def _cell(cell: str | Cell) -> str:
    if isinstance(cell, str):
        return _text(cell)
    if cell.level is not None:
        return f'<span class="badge lv-{cell.level.value}">{_text(cell.text)}</span>'
    return f'<span class="muted">{_text(cell.text)}</span>' if cell.muted else _text(cell.text)


def _row(row: Row, numeric: tuple[int, ...]) -> str:
    attrs = f' class="lv-{row.level.value}"' if row.level is not None else ""
    cells = "".join(f'<td{" class=num" if i in numeric else ""}>{_cell(c)}</td>' for i, c in enumerate(row.cells))
    return f"<tr{attrs}>{cells}</tr>"


def _table(table: Table) -> str:
    if not table.rows:
        return f'<p class="muted">{_text(table.empty)}</p>' if table.empty else ""
    head = "".join(f'<th{" class=num" if i in table.numeric else ""}>{escape(h)}</th>'
                   for i, h in enumerate(table.headers))
    body = "\n".join(_row(row, table.numeric) for row in table.rows)
    css = ' class="compact"' if table.compact else ""
    return f"<table{css}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        css = f' class="{escape(block.tone)}"' if block.tone else ""
        return f"<p{css}>{_text(block.text)}</p>"
    if isinstance(block, Facts) and block.tiles:
        tiles = "".join(f'<div class="tile"><div class="value">{_text(v)}</div><div class="label">{escape(k)}</div>'
                        "</div>" for k, v in block.items)
        return f'<div class="tiles">{tiles}</div>'
    if isinstance(block, Facts):
        items = "".join(f"<dt>{escape(k)}</dt><dd>{_text(v)}</dd>" for k, v in block.items)
        return f'<dl class="facts cols-{block.columns}">{items}</dl>'
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        return f"<figure><figcaption>{escape(block.title)}</figcaption>{chart_svg(block)}</figure>"
    if isinstance(block, AxisGrid):
        return f'<figure><figcaption>{escape(block.title)}</figcaption>{axis_grid_svg(block)}</figure>'
    raise TypeError(f"unknown block {type(block).__name__}")


def render_html(doc: Document) -> str:
    """The whole document as an HTML page in the document's language."""
    level = f" lv-{doc.level.value}" if doc.level is not None else ""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(doc.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(doc.title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f'<header class="banner{level}">',
        f"<h1>{escape(doc.title)}</h1>",
    ]
    if doc.level is not None and doc.level_label:
        parts[-1] = (f'<h1>{escape(doc.title)} <span class="badge big lv-{doc.level.value}">'
                     f"{escape(doc.level_label)}</span></h1>")
    if doc.subtitle:
        parts.append(f'<p class="subtitle">{_text(doc.subtitle)}</p>')
    parts.append("</header>")
    parts += [f'<div class="notice">{_text(notice)}</div>' for notice in doc.notices]
    for section in doc.sections:
        tag = "h2" if section.depth <= 2 else "h3"
        parts.append(f"<section>\n<{tag}>{escape(section.title)}</{tag}>")
        parts += [_block(block) for block in section.blocks]
        parts.append("</section>")
    if doc.footer:
        parts.append("<footer>" + "<br>".join(_text(line) for line in doc.footer) + "</footer>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
