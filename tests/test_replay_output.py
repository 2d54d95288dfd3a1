from __future__ import annotations

import io

from kasuhara_live.events import Alert, CallEnded, CallStarted, Level, UtteranceFinal
from kasuhara_live.replay import TranscriptWriter, format_clock


def test_transcript_puts_an_early_alert_under_its_utterance_in_japanese() -> None:
    out = io.StringIO()
    write = TranscriptWriter(out, "ja")
    write(CallStarted("c", 0.0, ("agent", "customer"), "x.flac"))
    write(Alert("c", 3.0, "a1", "dogeza", Level.WARNING, 1.0, 3.0, ("土下座しろ",), ("means_manner",),
                "お応えできません", utterance_id="u1"))
    write(UtteranceFinal("c", 4.0, "u1", "customer", 1.0, 3.5, "土下座しろよ"))
    write(CallEnded("c", 10.0))
    lines = out.getvalue().splitlines()
    assert lines[1] == "[00:01.0-00:03.5] customer: 土下座しろよ"
    assert lines[2] == "  !! [警告] 土下座の要求: 土下座しろ"
    assert lines[3] == "     → お応えできません"
    assert lines[-1].startswith("== end of c")


def test_format_clock() -> None:
    assert format_clock(75.25) == "01:15.2"


def test_the_transcript_printed_holds_no_terminal_escapes() -> None:
    # a call id or transcript with an ESC sequence (from a file name, or a hostile recording's metadata) is data
    out = io.StringIO()
    writer = TranscriptWriter(out, "ja")
    writer(CallStarted("call-\x1b[2J", 0.0, ("mixed",), "x\x1b]0;pwned\x07.wav"))
    writer(UtteranceFinal("call-\x1b[2J", 2.0, "u1", "mixed", 0.0, 1.5, "こんにちは\x1b[31m"))
    writer(CallEnded("call-\x1b[2J", 3.0))
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\\x1b[2J" in text and "こんにちは" in text
