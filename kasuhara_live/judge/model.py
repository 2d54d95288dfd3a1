"""A second opinion on one utterance: a linear model over character, reading and word n-grams.

The rules (:mod:`kasuhara_live.judge.rules`) name what they catch: a word, a grammatical form, a behaviour.
Callers who never use those words still harass — by implication, sarcasm aimed at the agent, a threat left
unsaid — and on the hidden test sets such turns were most of what the rules missed.  This model was trained
on labelled utterances (``tools/train_judge_model.py``) and scores how much an utterance reads like harassment
as a whole.  It can only *raise* an utterance the rules left below ``warning`` to ``warning`` (never to
``critical``: violence needs a rule that names it), when its probability reaches ``judge.model_threshold``;
the alert then says it came from the model and shows the clause that weighed most.

Features (all from the judge's own :class:`~kasuhara_live.judge.japanese.Analysis`, so nothing is parsed
twice): 3–4-grams of the reading key (what survives Whisper's wrong kanji: 土下座 and どげざ share it) and
word lemmas and lemma pairs.  Character n-grams of the written text were tried too: no better in
cross-validation (docs/judge-model.md), and twice the features to look up per utterance.  Each block is weighted tf-idf
(sublinear tf, l2-normalised), as scikit-learn's ``TfidfVectorizer`` computes it at training time, and the
score is a logistic regression.  The file is plain JSON so that an admin can see what it holds and retrain
it on their own reviewed calls; inference is pure Python (no scikit-learn at run time).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import marshal
import math
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from kasuhara_live.errors import ConfigError
from kasuhara_live.judge.japanese import CLAUSE_BREAKS, Analysis

# 2: features read the content words only (format 1 read every token: register became evidence)
MODEL_FORMAT = 2
# 3- and 4-grams of the reading key: 2-grams as well scored the same in cross-validation (F1 0.966 / 0.965
# clean, 0.977 / 0.977 through Whisper) and cost a third more look-ups per utterance
READING_NGRAMS = (3, 4)
# What the model never reads: the words that carry register, not content. Sentence ends and auxiliaries (です,
# ます, だ, ぞ, よ, ね), particles, honorific prefixes (お, ご) and the verbs and adjectives that only help another
# (いる, くれる, いただく, ござる, ない). Trained on sets where harassment was said plainly and all else politely,
# a model that read them learnt register instead of harassment: on real casual Japanese it flagged a quarter of
# ordinary plain sentences (docs/judge-model.md).
_REGISTER_POS = frozenset({"助動詞", "助詞", "接頭辞", "補助記号", "空白"})


def content_indices(analysis: Analysis) -> list[int]:
    """The tokens the model reads: content words, not the grammar that carries register."""
    return [i for i, t in enumerate(analysis.tokens)
            if not t.is_break and t.pos not in _REGISTER_POS
            and not (t.pos in ("動詞", "形容詞") and t.pos2 == "非自立可能")]


def content_kana(analysis: Analysis) -> int:
    """How much the model has to read: the kana of the content words (judge.model_min_kana is measured on this).
    電話。電話したのに、電話がないんです is one word said three times: too little to judge as a whole."""
    tokens = analysis.tokens
    return sum(len(tokens[i].key) for i in content_indices(analysis))


def reading_features(analysis: Analysis) -> list[str]:
    tokens = analysis.tokens
    key = "".join([tokens[i].key for i in content_indices(analysis)])
    return [key[i : i + n] for n in READING_NGRAMS for i in range(len(key) - n + 1)]


def word_features(analysis: Analysis) -> list[str]:
    tokens = analysis.tokens
    words = [tokens[i].lemma for i in content_indices(analysis)]
    return [*words, *(f"{a} {b}" for a, b in pairwise(words))]


# name → how its features are read from an analysis; the order is the order of the blocks in a model file
FEATURE_BLOCKS: dict[str, Callable[[Analysis], list[str]]] = {
    "reading": reading_features,
    "words": word_features,
}


@dataclass(frozen=True)
class Block:
    """One feature block: each feature's idf and harassment weight, and its weight for each category."""

    # feature → (idf², idf × weight): one lookup per feature on the hot path, and what a feature seen once adds
    # to the squared norm and to the dot product, with no arithmetic
    table: dict[str, tuple[float, float]]
    category_weights: dict[str, tuple[float, ...]]


@dataclass(frozen=True)
class Opinion:
    """Why the model thinks an utterance is harassment."""

    probability: float
    category: str  # the most likely harassment category
    evidence: str  # the clause that weighed most towards harassment


class HarassmentModel:
    """Loaded from a model file; scores analyses."""

    def __init__(self, blocks: dict[str, Block], intercept: float, category_intercepts: tuple[float, ...],
                 categories: tuple[str, ...], about: dict[str, Any]) -> None:
        self.blocks = blocks
        self.intercept = intercept
        self.category_intercepts = category_intercepts
        self.categories = categories
        self.about = about  # what it was trained on, for the record

    def probability(self, analysis: Analysis) -> float:
        """How likely the utterance is harassment (warning or above), 0–1: the cheap path, run on every turn.

        The tf-idf vector is never built: a feature seen once adds its idf² to the squared norm and idf × weight
        to the dot product; one seen c times adds (1 + ln c) times as much to each value (sublinear tf).
        """
        score = self.intercept
        for name, block in self.blocks.items():
            table = block.table
            squares = dot = 0.0
            seen: set[str] = set()
            repeats: dict[str, int] = {}
            for feature in FEATURE_BLOCKS[name](analysis):
                entry = table.get(feature)
                if entry is None:
                    continue
                if feature in seen:
                    repeats[feature] = repeats.get(feature, 1) + 1
                    continue
                seen.add(feature)
                squares += entry[0]
                dot += entry[1]
            for feature, count in repeats.items():
                factor = 1.0 + math.log(count)
                entry = table[feature]
                squares += (factor * factor - 1.0) * entry[0]
                dot += (factor - 1.0) * entry[1]
            if squares > 0.0:
                score += dot / math.sqrt(squares)
        return _sigmoid(score)

    def opinion(self, analysis: Analysis) -> Opinion:
        """The probability with the category and the clause behind it: only for a turn the model flags."""
        scores = list(self.category_intercepts)
        score = self.intercept
        pushes = [0.0] * len(analysis.tokens)  # per token: how much it pushed towards harassment
        for name, block in self.blocks.items():
            table = block.table
            located = [(f, spot) for f, spot in _located(analysis, name) if f in table]
            counts: dict[str, int] = {}
            for feature, _ in located:
                counts[feature] = counts.get(feature, 0) + 1
            if not counts:
                continue
            # l2-normalised tf-idf values (sublinear tf) of the features the model knows
            values = {f: (1.0 + math.log(c)) * math.sqrt(table[f][0]) for f, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in values.values()))
            share: dict[str, float] = {}  # what each occurrence of a feature pushed towards harassment
            for feature, value in values.items():
                idf_sq, idf_weight = table[feature]
                scaled = value / norm
                push = scaled * idf_weight / math.sqrt(idf_sq)
                score += push
                weights = block.category_weights.get(feature)
                if weights is not None:
                    for k, w in enumerate(weights):
                        scores[k] += scaled * w
                share[feature] = push / counts[feature]
            for feature, spot in located:  # credit the tokens that hold each occurrence, evenly
                part = share[feature]
                if part > 0.0:
                    part /= len(spot)
                    for i in spot:
                        pushes[i] += part
        best = max(range(len(scores)), key=lambda k: scores[k])
        return Opinion(_sigmoid(score), self.categories[best], _heaviest_clause(analysis, pushes))


def _sigmoid(score: float) -> float:
    if score < 0.0:  # exp of a large positive number would overflow
        small = math.exp(score)
        return small / (1.0 + small)
    return 1.0 / (1.0 + math.exp(-score))


def _located(analysis: Analysis, block: str) -> list[tuple[str, tuple[int, ...]]]:
    """The features of ``block`` as :data:`FEATURE_BLOCKS` reads them, each with the tokens that hold it."""
    tokens = analysis.tokens
    content = content_indices(analysis)
    if block == "words":
        return [*((tokens[i].lemma, (i,)) for i in content),
                *((f"{tokens[i].lemma} {tokens[j].lemma}", (i, j)) for i, j in pairwise(content))]
    owner: list[int] = []  # for each character of the content words' reading key, the token it belongs to
    for index in content:
        owner += [index] * len(tokens[index].key)
    key = "".join([tokens[i].key for i in content])
    located: list[tuple[str, tuple[int, ...]]] = []
    for n in READING_NGRAMS:
        for i in range(len(key) - n + 1):
            first, last = owner[i], owner[i + n - 1]
            # the tokens that own its characters (not a punctuation mark between them, which owns none)
            spot = (first,) if first == last else tuple(sorted(set(owner[i : i + n])))
            located.append((key[i : i + n], spot))
    return located


def _heaviest_clause(analysis: Analysis, pushes: list[float]) -> str:
    clauses: list[tuple[float, str]] = []
    weight, words = 0.0, list[str]()
    for token, push in zip(analysis.tokens, pushes, strict=True):
        if token.surface in CLAUSE_BREAKS:
            if words:
                clauses.append((weight, "".join(words)))
            weight, words = 0.0, []
        else:
            weight += push
            words.append(token.surface)
    if words:
        clauses.append((weight, "".join(words)))
    return max(clauses)[1] if clauses else analysis.text


def load_model(path: Path) -> HarassmentModel:
    """Read a model file (JSON, optionally gzipped); a broken file is a :class:`ConfigError` naming it.

    Parsing the JSON (tens of thousands of features, each with its weights) was most of the judge's start-up:
    about 0.6 s. A model read once is kept, parsed, in the user's cache directory under the SHA-256 of the
    file's bytes, and read back from there in a sixth of the time; a changed file has another digest, so a stale
    copy is never used, and a cache that cannot be read or written is skipped, never an error.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"judge model not found: {path} (judge.model_file = \"\" runs the rules alone)") from None
    except OSError as exc:  # a directory, no permission
        raise ConfigError(f"cannot read the judge model {path}: {exc.strerror}") from None
    cached = _cache_file(raw)
    if cached is not None:
        model = _from_cache(cached)
        if model is not None:
            return model
    try:
        data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    except (ValueError, EOFError, OSError) as exc:
        raise ConfigError(f"{path}: cannot read the judge model ({exc})") from exc
    model = model_from_json(data, str(path))
    if cached is not None:
        _to_cache(cached, model)
    return model


# Bump when what a cached model holds changes shape (the tuple written by _to_cache, a Block's tables).
_CACHE_LAYOUT = 1
_CACHE_KEEP = 4  # parsed models kept (one per model file in use on this machine, and a retrained one or two)


def _cache_file(raw: bytes) -> Path | None:
    """Where the parsed form of a model file with these bytes is kept; None when caching is off.

    ``KASUHARA_CACHE_DIR`` chooses the directory ("" turns the cache off); otherwise ``$XDG_CACHE_HOME`` or
    ``~/.cache``, under ``kasuhara-live``. marshal's format belongs to one Python version, which the name says.
    """
    chosen = os.environ.get("KASUHARA_CACHE_DIR")
    if chosen == "":
        return None
    base = Path(chosen) if chosen else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / \
        "kasuhara-live"
    digest = hashlib.sha256(raw).hexdigest()[:32]
    python = f"{sys.version_info[0]}{sys.version_info[1]}"
    return base / f"judge-model-{digest}-f{MODEL_FORMAT}-l{_CACHE_LAYOUT}-py{python}-m{marshal.version}.marshal"


def _from_cache(path: Path) -> HarassmentModel | None:
    try:
        intercept, category_intercepts, categories, about, blocks = marshal.loads(path.read_bytes())
        return HarassmentModel({name: Block(table, weights) for name, (table, weights) in blocks.items()},
                               intercept, category_intercepts, categories, about)
    except (OSError, ValueError, EOFError, TypeError, AttributeError):
        return None  # missing, unreadable or damaged: the model file is parsed again and the copy rewritten


def _to_cache(path: Path, model: HarassmentModel) -> None:
    state = (model.intercept, model.category_intercepts, model.categories, model.about,
             {name: (block.table, block.category_weights) for name, block in model.blocks.items()})
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written beside its final name and renamed: a process starting meanwhile reads all of it or none
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".judge-model-", delete=False) as out:
            temporary = Path(out.name)
            out.write(marshal.dumps(state))
        os.replace(temporary, path)
        temporary = None
        kept = sorted(path.parent.glob("judge-model-*.marshal"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[_CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, ValueError):
        pass  # a read-only home, a full disk: the judge runs the same, it only starts slower next time
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def model_from_json(data: Any, path: str = "judge model") -> HarassmentModel:
    """Build a model from its JSON form (as :func:`load_model` reads it and training writes it)."""
    try:
        if data["format"] != MODEL_FORMAT:
            raise ConfigError(f"{path}: judge model format {data['format']!r}, expected {MODEL_FORMAT} (retrain it: "
                              "kasuhara-live train-model, docs/judge-model.md)")
        categories = tuple(str(c) for c in data["categories"])
        intercept = float(data["intercept"])
        category_intercepts = tuple(float(b) for b in data["category_intercepts"])
        if not categories or len(category_intercepts) != len(categories):
            raise ConfigError(f"{path}: judge model has {len(category_intercepts)} category intercepts for "
                              f"{len(categories)} categories")
        blocks = {}
        total = intercept + sum(category_intercepts, 0.0)  # a nan or an inf anywhere makes the sum one too
        for name, block in data["blocks"].items():
            if name not in FEATURE_BLOCKS:
                raise ConfigError(f"{path}: unknown feature block {name!r} (known: {', '.join(FEATURE_BLOCKS)})")
            # Tens of thousands of features, built in one pass each (this is most of the judge's start-up); a
            # string or a list where a number belongs is a TypeError or ValueError, reported as malformed below.
            idf: dict[str, Any] = block["idf"]
            weight: dict[str, Any] = block["weight"]
            by_category = {f: tuple(map(float, ws)) for f, ws in block["category_weights"].items()}
            if any(len(ws) != len(categories) for ws in by_category.values()) \
                    or not weight.keys() <= idf.keys() or not by_category.keys() <= idf.keys():
                raise ConfigError(f"{path}: feature block {name!r} has weights of the wrong shape")
            table: dict[str, tuple[float, float]] = {}
            for feature, value in idf.items():
                v = float(value)
                table[feature] = (v * v, v * float(weight.get(feature, 0.0)))
                total += v
            total += sum(map(float, weight.values()), 0.0) + sum((sum(ws, 0.0) for ws in by_category.values()), 0.0)
            blocks[name] = Block(table, by_category)
        if not math.isfinite(total):
            raise ConfigError(f"{path}: judge model holds a number that is not finite (nan or inf)")
        return HarassmentModel(blocks, intercept, category_intercepts, categories, dict(data.get("about", {})))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: malformed judge model ({exc!r})") from exc
