"""A report as plain data: sections of paragraphs, facts, tables and charts.

The incident and trend reports build a :class:`Document`; :mod:`~kasuhara_live.reports.render_html` and
:mod:`~kasuhara_live.reports.render_md` turn the same document into HTML and Markdown, so the two formats
can never disagree on content. Text here is raw (unescaped): escaping is the renderers' job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kasuhara_live.events import Level


@dataclass(frozen=True)
class Paragraph:
    """Running text; ``tone`` "note" is a boxed remark, "muted" a quiet one."""

    text: str
    tone: str = ""


@dataclass(frozen=True)
class Facts:
    """Label/value pairs (a header, a review's judgement); ``columns`` 2 lays short pairs side by side."""

    items: tuple[tuple[str, str], ...]
    columns: int = 1
    tiles: bool = False  # key figures: large numbers in boxes (HTML); a plain list in Markdown


@dataclass(frozen=True)
class Cell:
    """A table cell that shows a level as a coloured badge, or text in a quieter style."""

    text: str
    level: Level | None = None
    muted: bool = False


@dataclass(frozen=True)
class Row:
    """One table row; ``level`` tints the whole row (an alert in the transcript)."""

    cells: tuple[str | Cell, ...]
    level: Level | None = None


@dataclass(frozen=True)
class Table:
    """A table; ``numeric`` lists the columns to right-align; ``empty`` is said when there are no rows."""

    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    numeric: tuple[int, ...] = ()
    empty: str = ""
    compact: bool = False  # as wide as its content rather than the page (short tables of numbers)


@dataclass(frozen=True)
class Series:
    """One named series of a chart; ``colour`` is a CSS colour."""

    name: str
    values: tuple[float, ...]
    colour: str


@dataclass(frozen=True)
class Chart:
    """A bar chart (``horizontal`` for long labels) or a line chart, drawn as inline SVG in HTML.

    Markdown shows the same numbers as a table. ``colours`` gives one colour per label (level bars).
    """

    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    kind: str = "bar"  # "bar" | "hbar" | "line"
    colours: tuple[str, ...] = ()


@dataclass(frozen=True)
class AxisGrid:
    """The 2-axis picture (DOMAIN.md): where the reviewer placed the call, conduct up, demand across."""

    title: str
    conduct: str  # acceptable | grey | unacceptable
    demand: str  # valid | grey | invalid
    conduct_labels: tuple[str, str, str]
    demand_labels: tuple[str, str, str]
    axis_names: tuple[str, str]  # (conduct, demand)


Block = Paragraph | Facts | Table | Chart | AxisGrid


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``depth`` 3 makes it a subsection."""

    title: str
    blocks: tuple[Block, ...]
    depth: int = 2


@dataclass(frozen=True)
class Document:
    """A whole report: title, a lead of facts, notices, sections and a footer."""

    lang: str
    title: str
    subtitle: str = ""
    level: Level | None = None  # the banner colour of an incident report
    level_label: str = ""  # the level's name, shown as a badge beside the title
    notices: tuple[str, ...] = ()
    sections: tuple[Section, ...] = field(default_factory=tuple)
    footer: tuple[str, ...] = ()
