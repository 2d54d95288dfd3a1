"""The Whisper engine at the edge: faster-whisper's model, driven through CTranslate2 directly.

Why not ``WhisperModel.transcribe``: it pads every input to Whisper's 30 s window and decodes one input at
a time.  Here each utterance is padded only to ``asr.window_s`` (10 s keeps nearly all the quality at well
under half the encoder cost, see ../shared/ASR.md and bench/), decoding is bounded to
``max_tokens_per_second`` of audio so a short window cannot make the decoder loop, and utterances from
several speakers or calls are decoded in one batched ``generate`` call.

Anything with a ``transcribe(audios)`` method satisfying :class:`Transcriber` can take this engine's place
(a GPU worker, a remote service).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kasuhara_live.asr.transcriber import Transcript, as_float
from kasuhara_live.audio.frames import SAMPLE_RATE
from kasuhara_live.config import AsrConfig
from kasuhara_live.errors import ModelError


class WhisperEngine:
    """faster-whisper's CTranslate2 Whisper with a short encoder window and batched greedy/beam decoding."""

    def __init__(self, cfg: AsrConfig, model_path: str) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise ModelError("faster-whisper is not installed: `pip install -e .`") from None
        try:
            self._model: Any = WhisperModel(model_path, device=cfg.device, compute_type=cfg.compute_type,
                                            cpu_threads=cfg.cpu_threads, num_workers=cfg.workers)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError with long messages
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load Whisper model {model_path!r}: {first[:200]}") from None
        self.cfg = cfg
        from faster_whisper.tokenizer import Tokenizer

        self._tokenizer = Tokenizer(self._model.hf_tokenizer, True, task="transcribe", language=cfg.language)
        self._window = int(cfg.window_s * SAMPLE_RATE)
        self._prompt = self._model.get_prompt(self._tokenizer, [], without_timestamps=True,
                                              hotwords=cfg.hotwords or None)
        from faster_whisper.transcribe import get_suppressed_tokens

        self._suppress = list(get_suppressed_tokens(self._tokenizer, [-1]))

    def features(self, audio: np.ndarray, window_s: float | None = None) -> np.ndarray:
        """Log-mel features of one utterance, zero-padded to the encoder window (Whisper's own floor).

        ``window_s`` overrides ``asr.window_s`` (a fixed shorter bucket for short partials: padding is what keeps
        the decoder from looping, so never pass the utterance's exact length)."""
        window = self._window if window_s is None else int(window_s * SAMPLE_RATE)
        wave = as_float(audio)[:window]
        padded = np.zeros(window, dtype=np.float32)
        padded[: len(wave)] = wave
        feats: np.ndarray = self._model.feature_extractor(padded, padding=0)
        return feats[:, : window // self._model.feature_extractor.hop_length]

    def transcribe(self, audios: Sequence[np.ndarray], final: bool = False, *,
                   window_s: float | None = None) -> list[Transcript]:
        """Decode one batch. Partials greedily; finals with ``final_beam_size`` beams, the best
        ``final_hypotheses`` of which (within ``hypothesis_margin`` of the best score) come back as alternatives.
        ``window_s``: encoder window for this batch (default ``asr.window_s``); longer audio is cut to it."""
        if not audios:
            return []
        import ctranslate2

        cfg = self.cfg
        window = cfg.window_s if window_s is None else window_s
        beams, readings = (cfg.final_beam_size, cfg.final_hypotheses) if final else (cfg.beam_size, 1)
        batch = np.stack([self.features(a, window) for a in audios]).astype(np.float32)
        longest = max(len(a) for a in audios) / SAMPLE_RATE
        max_new = int(10 + cfg.max_tokens_per_second * min(longest, window))
        results = self._model.model.generate(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(batch)),
            [self._prompt] * len(audios),
            beam_size=beams,
            num_hypotheses=readings,
            max_length=len(self._prompt) + max_new,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
            repetition_penalty=1.0,
            no_repeat_ngram_size=0,
        )
        return [self._transcript(result) for result in results]

    def _transcript(self, result: Any) -> Transcript:
        texts = [self._tokenizer.decode([t for t in ids if t < self._tokenizer.eot]).strip()
                 for ids in result.sequences_ids] or [""]
        scores = [float(score) for score in result.scores] or [0.0] * len(texts)
        best = scores[0]
        # Raw, as decoded: the hallucination filter cleans them and drops empty and repeated ones.
        alternatives = tuple(text for text, score in zip(texts[1:], scores[1:], strict=True)
                             if score >= best - self.cfg.hypothesis_margin)
        return Transcript(text=texts[0], no_speech_prob=float(result.no_speech_prob), avg_logprob=best,
                          alternatives=alternatives)


def load_engine(cfg: AsrConfig) -> WhisperEngine:
    """Resolve ``asr.model`` (assembling the embedded model on first use) and load it."""
    from kasuhara_live.asr.model_store import resolve_model

    return WhisperEngine(cfg, resolve_model(cfg.model))
