"""The README's demo, headless: a real hub, real monitors running the embedded Whisper on the sample calls,
and the supervisor's feed received through the real console client."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from kasuhara_live.events import Level
from kasuhara_live.store.store import CallStore
from tests.conftest import REPO


def test_headless_demo_shows_the_calls_and_their_alerts(tmp_path: Path) -> None:
    store = tmp_path / "calls.sqlite"
    done = subprocess.run([sys.executable, "-m", "kasuhara_live", "demo", "--headless", "--speed", "6", "--store",
                           str(store)], capture_output=True, text=True, cwd=REPO, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert re.search(r"demo hub at ws://127\.0\.0\.1:\d+; 2 calls", out)
    harassment = [line for line in out.splitlines() if line.startswith("[harassment_call]")]
    complaint = [line for line in out.splitlines() if line.startswith("[complaint_call]")]
    # the live transcript (Japanese, by speaker) and the alerts with their scripts reach the supervisor
    assert any(" customer: " in line for line in harassment) and any(" agent: " in line for line in harassment)
    assert any(" mixed: " in line for line in complaint)
    assert any("!! [警告]" in line for line in harassment) and any("!! [緊急]" in line for line in harassment)
    assert any("→ " in line and "お電話を終了" in line for line in harassment)
    # a legitimate complaint stays below warning
    assert not any("!! [警告]" in line or "!! [緊急]" in line for line in complaint)
    assert any("!! [注意]" in line for line in complaint)
    assert out.count("all delivered to the hub") == 2
    assert "== call ended" in "\n".join(harassment) and "== call ended" in "\n".join(complaint)
    # the hub kept both calls in the store, with their agents, transcripts and alerts
    with CallStore(store) as kept:
        calls = {c.call_id: c for c in kept.calls()}
        assert calls["harassment_call"].agent == "sato" and calls["harassment_call"].max_level is Level.CRITICAL
        assert calls["complaint_call"].max_level is Level.CAUTION
        assert len(kept.call("harassment_call").utterances) > 20
        # every alert names what raised it, judge → monitor → hub → store (term:<id>, grammar:<rule>, call:length…)
        origin = r"(term|construction|grammar|model|call):[^,\s]+"
        alerts = kept.call("harassment_call").alerts
        assert alerts and all(re.fullmatch(rf"{origin}(, {origin})*", a.source) for a in alerts), \
            [a.source for a in alerts]
