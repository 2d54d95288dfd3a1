"""Everything the judge needs, loaded once from the configuration and shared by all calls."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kasuhara_live.config import Config, resolve_config_file
from kasuhara_live.events import Level
from kasuhara_live.judge.call_state import CallJudge, agent_phrase_matcher
from kasuhara_live.judge.japanese import Analyzer
from kasuhara_live.judge.lexicon import Lexicon, load_lexicon
from kasuhara_live.judge.matcher import PhraseMatcher
from kasuhara_live.judge.model import HarassmentModel, load_model
from kasuhara_live.judge.rules import Judgement, UtteranceJudge
from kasuhara_live.judge.scripts import Scripts, Step, load_scripts
from kasuhara_live.judge.word_classes import SHIPPED_CLASSES


@dataclass
class Detector:
    """The loaded lexicon, scripts and matchers; makes a :class:`CallJudge` per call."""

    cfg: Config
    lexicon: Lexicon
    scripts: Scripts
    judge: UtteranceJudge
    agent_phrases: PhraseMatcher

    @classmethod
    def from_config(cls, cfg: Config) -> Detector:
        lexicon = load_lexicon([resolve_config_file(cfg, name, "judge.lexicon_files")
                                for name in cfg.judge.lexicon_files], cfg.source_of("judge.lexicon_files"))
        scripts = load_scripts(resolve_config_file(cfg, cfg.judge.scripts_file, "judge.scripts_file"))
        analyzer = Analyzer()
        model = load_model(resolve_config_file(cfg, cfg.judge.model_file, "judge.model_file")) \
            if cfg.judge.model_file else None
        return cls(cfg, lexicon, scripts, UtteranceJudge(lexicon, cfg.judge, analyzer, model),
                   agent_phrase_matcher(cfg, analyzer))

    @property
    def model(self) -> HarassmentModel | None:
        return self.judge.model

    @functools.cached_property
    def config_version(self) -> str:
        """A fingerprint of what judges a call: the config files, lexicons, scripts and model, byte for byte.

        Stored with every call, so a reviewer knows which rules flagged it (and that a later change would not).
        Hashed on first use and kept for the detector's life, not re-read for every call.
        """
        digest = hashlib.sha256()
        for name in self.loaded_files():
            digest.update(Path(name).read_bytes())
        return digest.hexdigest()[:12]

    def loaded_files(self) -> list[str]:
        """Every file the judge was loaded from, in the order read: config files, lexicons, scripts, model."""
        judge = self.cfg.judge
        files = [*self.cfg.source_files, str(SHIPPED_CLASSES),
                 *(str(resolve_config_file(self.cfg, name, "judge.lexicon_files")) for name in judge.lexicon_files),
                 str(resolve_config_file(self.cfg, judge.scripts_file, "judge.scripts_file"))]
        if judge.model_file:
            files.append(str(resolve_config_file(self.cfg, judge.model_file, "judge.model_file")))
        return files

    def for_call(self, call_id: str) -> CallJudge:
        return CallJudge(call_id, self.cfg, self.judge, self.scripts, self.agent_phrases)

    def scan(self, text: str) -> dict[str, Any]:
        """One line of text judged on its own: the ``scan`` command's JSON object."""
        return self._scanned(text, self.judge.judge(text))

    def scan_many(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """:meth:`scan` for each line, judged as a batch (faster on bulk input: see ``UtteranceJudge.judge_many``)."""
        return [self._scanned(text, judgement)
                for text, judgement in zip(texts, self.judge.judge_many(texts), strict=True)]

    def _scanned(self, text: str, judgement: Judgement) -> dict[str, Any]:
        alerts = []
        if judgement.level > Level.NONE:
            step = {Level.CAUTION: Step.ACKNOWLEDGE, Level.WARNING: Step.CLEAR_STATEMENT,
                    Level.CRITICAL: Step.END_CALL}[judgement.level]
            alerts.append({
                "category": judgement.category,
                "severity": judgement.level.value,
                "evidence": list(judgement.evidence),
                "criteria": list(judgement.criteria),
                "script": self.scripts.text(self.cfg.ui.language, judgement.category, step),
                "source": judgement.source,
            })
        return {"text": text, "level": judgement.level.value, "alerts": alerts}

    def explain(self, text: str) -> dict[str, Any]:
        """:meth:`scan` with the reasons: every cue that counted (its origin, axis and weight), every candidate
        a guard set aside and why, the two axes' sums and the model's probability (``scan --explain``)."""
        judgement, dismissed, probability = self.judge.explain(text)
        out = self._scanned(text, judgement)
        out["explain"] = {
            "conduct": judgement.conduct, "demand": judgement.demand, "complaint": judgement.complaint,
            "cues": [{"origin": c.origin, "category": c.category, "axis": c.axis, "weight": c.weight,
                      "evidence": c.evidence, **({"severity": c.severity.value} if c.severity else {}),
                      **({"tone": True} if c.tone else {})} for c in judgement.cues],
            "dismissed": [{"origin": d.origin, "evidence": d.evidence, "reason": d.reason} for d in dismissed],
            "model_probability": probability,
        }
        return out

    def judge_text(self, text: str) -> Judgement:
        return self.judge.judge(text)
