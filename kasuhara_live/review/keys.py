"""Footer key descriptions in the reviewer's language (the consoles do the same with their own texts)."""

from __future__ import annotations

import dataclasses

from textual.dom import DOMNode

from kasuhara_live.review.texts import text


def localize_bindings(node: DOMNode, lang: str) -> None:
    """Replace binding descriptions (text keys such as ``key.correct``) with words in ``lang``.

    Textual reads ``BINDINGS`` once per class, but the footer follows ``ui.language``, known only per instance;
    so the instance's own copy of the bindings is rewritten.
    """
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [dataclasses.replace(b, description=text(lang, b.description)) if b.description else b
                      for b in bindings]
