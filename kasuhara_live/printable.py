"""Text from calls made safe to show: control characters become visible escapes (pure).

Call ids, transcripts, evidence, names, reasons and notes come from the wire and the store, and may hold
whatever a peer sent. An ESC or CSI sequence printed by ``review show`` or ``export --format md`` would move a
terminal's cursor, recolour it or retitle its window, and on a console it would rewrite what the screen shows.
Every place that shows such text passes it through :func:`printable`, so the characters stay visible as
evidence (``\\x1b``) and do nothing. Rich markup is the other half: wire text goes into ``rich.text.Text``,
never into a string that Rich or Textual would read as markup.
"""

from __future__ import annotations

import re

# C0 controls (NUL…US, tab and line breaks included), DEL and the C1 controls (CSI is U+009B).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# What json.dumps(ensure_ascii=False) leaves raw: it escapes C0 itself, but not DEL or C1.
_JSON_RAW_CONTROL = re.compile("[\x7f-\x9f]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def printable(value: str, *, newlines: bool = False) -> str:
    """``value`` with every control character written as ``\\xNN``; ``newlines`` keeps line breaks (notes)."""
    return (_CONTROL_BUT_NEWLINE if newlines else _CONTROL).sub(_escaped, value)


def json_printable(encoded: str) -> str:
    """JSON from ``json.dumps(..., ensure_ascii=False)`` with DEL and C1 controls as ``\\u00NN`` escapes.

    The same JSON value (an escape is allowed for any character in a JSON string, and these can only occur in
    strings), but safe to print on a terminal.
    """
    return _JSON_RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)
