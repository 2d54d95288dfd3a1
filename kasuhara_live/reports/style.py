"""The reports' stylesheet, inlined into every HTML file (no external resources: reports are sent by mail,
archived and printed, often where nothing outside can be fetched).

The font stack lists the CJK fonts found on Linux, macOS and Windows before the generic family, so Japanese
never falls back to a font without kana. Level colours match the consoles' meaning: amber, orange, red.
"""

from __future__ import annotations

from kasuhara_live.events import Level

LEVEL_COLOUR = {Level.NONE: "#6b7280", Level.CAUTION: "#b45309", Level.WARNING: "#c2410c",
                Level.CRITICAL: "#b91c1c"}
LEVEL_TINT = {Level.NONE: "#f3f4f6", Level.CAUTION: "#fef3c7", Level.WARNING: "#ffedd5",
              Level.CRITICAL: "#fee2e2"}
SERIES = ("#2563eb", "#c2410c", "#0f766e", "#7c3aed")

_LEVEL_RULES = "\n".join(
    f".badge.lv-{level.value} {{ background: {LEVEL_COLOUR[level]}; }}\n"
    f"tr.lv-{level.value} td {{ background: {LEVEL_TINT[level]}; }}\n"
    f".banner.lv-{level.value} {{ border-color: {LEVEL_COLOUR[level]}; }}"
    for level in Level
)

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic",
    "Meiryo", "IPAexGothic", "IPAGothic", sans-serif;
  color: #1f2937; background: #ffffff; margin: 0 auto; padding: 24px 32px 48px; max-width: 1040px;
  font-size: 14px; line-height: 1.65;
  -webkit-print-color-adjust: exact; print-color-adjust: exact;
}
header.banner { border-left: 8px solid #6b7280; padding: 4px 0 4px 16px; margin-bottom: 16px; }
h1 { font-size: 22px; margin: 0 0 2px; }
.subtitle { color: #4b5563; margin: 0; }
h2 { font-size: 17px; border-bottom: 2px solid #d1d5db; padding-bottom: 3px; margin: 28px 0 10px;
  break-after: avoid; }
h3 { font-size: 15px; margin: 18px 0 8px; break-after: avoid; }
p { margin: 6px 0; }
p.note, div.notice { background: #f9fafb; border: 1px solid #d1d5db; border-radius: 4px; padding: 8px 12px; }
div.notice { background: #fffbeb; border-color: #f59e0b; margin: 6px 0; font-size: 13px; }
p.muted { color: #6b7280; font-size: 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 8px 0; }
dl.facts.cols-2 { grid-template-columns: max-content 1fr max-content 1fr; }
p.summary { background: #f8fafc; border: 1px solid #e5e7eb; border-radius: 4px; padding: 10px 14px;
  font-size: 15px; margin: 12px 0; }
dl.facts dt { color: #4b5563; font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 13px; }
th, td { border: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; white-space: nowrap; }
td:first-child { white-space: nowrap; }
table.compact { width: auto; min-width: 55%; }
div.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0 14px; }
div.tile { border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 14px; min-width: 140px; background: #f9fafb;
  break-inside: avoid; }
div.tile .value { font-size: 24px; font-weight: 700; line-height: 1.2; }
div.tile .label { font-size: 12px; color: #4b5563; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
.muted { color: #6b7280; }
.badge { display: inline-block; color: #ffffff; border-radius: 3px; padding: 0 7px; font-size: 12px;
  font-weight: 600; white-space: nowrap; }
.badge.big { font-size: 15px; padding: 1px 10px; vertical-align: 3px; margin-left: 8px; }
figure { margin: 10px 0 18px; break-inside: avoid; }
figcaption { font-size: 13px; color: #4b5563; margin-bottom: 4px; }
.grid-figure { display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; }
footer { margin-top: 32px; color: #6b7280; font-size: 12px; border-top: 1px solid #e5e7eb; padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 10.5pt; }
  thead { display: table-header-group; }
  tr, dl.facts, div.notice { break-inside: avoid; }
  h2 { margin-top: 18px; }
}
""" + _LEVEL_RULES
