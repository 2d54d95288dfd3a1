"""Text from calls made safe to show: control characters become visible escapes."""

from __future__ import annotations

import json

from kasuhara_live.printable import json_printable, printable


def test_control_characters_are_written_out_and_everything_else_is_kept() -> None:
    assert printable("殺すぞ\x1b[2J\x9b31m\x07\x00\x7f") == "殺すぞ\\x1b[2J\\x9b31m\\x07\\x00\\x7f"
    assert printable("一行目\n二行目\t\r") == "一行目\\x0a二行目\\x09\\x0d"
    assert printable("一行目\n二行目\r", newlines=True) == "一行目\n二行目\\x0d"  # notes keep their lines
    assert printable("[bold]「ふざけるな」 café ＼ ①") == "[bold]「ふざけるな」 café ＼ ①"
    assert printable(printable("\x1b")) == printable("\x1b")  # applying it twice changes nothing


def test_json_keeps_its_value_and_loses_its_raw_controls() -> None:
    value = {"text": "殺すぞ\x1b[2J\x9b31m\x7f"}
    encoded = json_printable(json.dumps(value, ensure_ascii=False))
    assert "\x1b" not in encoded and "\x9b" not in encoded and "\x7f" not in encoded
    assert "殺すぞ" in encoded and json.loads(encoded) == value
