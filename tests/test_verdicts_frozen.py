"""The judge says on every data-set line what tests/data/verdicts.tsv.gz says it says (tools/freeze_verdicts.py).

Issue 18 moves the judge's rules from Python into configs/: that move must not change a verdict. A change meant
to change verdicts lands with the frozen file rewritten (``tools/freeze_verdicts.py --write``) and the reason in
its commit message.
"""

from __future__ import annotations

import gzip

from kasuhara_live.config import Config
from tools.freeze_verdicts import FROZEN, differences, verdict_lines


def test_every_verdict_is_the_frozen_one(cfg: Config) -> None:
    with gzip.open(FROZEN, "rt", encoding="utf-8") as fh:
        frozen = fh.read().splitlines()
    changed = differences(frozen, verdict_lines(cfg))
    assert not changed, f"{len(changed)} verdicts changed (first: {changed[:5]}); if meant, run " \
                        "tools/freeze_verdicts.py --write and say why in the commit"


def test_a_changed_verdict_is_reported_with_its_row() -> None:
    old = ["h", "f.tsv\t1\tabc\tnone\t\t\tnone\t\t", "f.tsv\t2\tdef\twarning\tabuse\tterm:x\twarning\tabuse\tterm:x"]
    new = ["h", "f.tsv\t1\tabc\tcaution\tcomplaint\tterm:y\tnone\t\t", old[2]]
    assert differences(old, new) == ["f.tsv 1: none///none// -> caution/complaint/term:y/none//"]
    assert differences(old, old) == []
