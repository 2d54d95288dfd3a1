"""Training the judge's second-opinion model (:mod:`kasuhara_live.judge.model`) on labelled utterances.

The one place that needs scikit-learn (``pip install 'kasuhara-live[train]'``): the product only reads the
JSON file written here.  Features come from the same functions the product scores with, so training and
inference cannot drift apart; a test checks that the product's scores equal scikit-learn's.
"""

from __future__ import annotations

import datetime
import gzip
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kasuhara_live.errors import KasuharaError
from kasuhara_live.judge.evaluate import Row, Scores, positive
from kasuhara_live.judge.japanese import Analyzer
from kasuhara_live.judge.model import FEATURE_BLOCKS, MODEL_FORMAT

# Categories the model names (complaint and none are not harassment)
HARASSMENT_CATEGORIES = ("threat", "abuse", "intimidation", "dogeza", "persistence", "restraint", "discrimination",
                         "sexual", "personal_attack", "excessive_demand")
# Weights smaller than these are dropped from the file (the feature still counts in the norm): the file stays
# small and scores move by less than 0.001 (the category only needs the features that tell categories apart)
_KEEP = 1e-3
_KEEP_CATEGORY = 0.05


def _require_sklearn() -> Any:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise KasuharaError("training needs scikit-learn: pip install 'kasuhara-live[train]'") from None
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    return TfidfVectorizer, LogisticRegression


class Trained:
    """A fitted model: scikit-learn's vectorisers and regressions, and how to write them for the product."""

    def __init__(self, rows: Sequence[Row], analyzer: Analyzer, c: float = 4.0, min_df: int = 2) -> None:
        tfidf, regression = _require_sklearn()
        from scipy.sparse import hstack

        self._hstack = hstack
        texts = [row.text for row in rows]
        gold = [positive(row.level) for row in rows]
        if all(gold) or not any(gold):
            raise KasuharaError("training needs rows of harassment (warning or critical) and rows without")
        harassing = [i for i, row in enumerate(rows) if positive(row.level) and row.category in HARASSMENT_CATEGORIES]
        self.categories = tuple(c for c in HARASSMENT_CATEGORIES if any(rows[i].category == c for i in harassing))
        if len(self.categories) < 2:
            raise KasuharaError("training needs harassment rows of at least two categories")
        self.vectorizers = {name: tfidf(analyzer=_analyzing(analyzer, features), min_df=min_df, sublinear_tf=True)
                            for name, features in FEATURE_BLOCKS.items()}
        try:
            matrix = hstack([v.fit_transform(texts) for v in self.vectorizers.values()]).tocsr()
            self.binary = regression(C=c, max_iter=5000, class_weight="balanced").fit(matrix, gold)
            self.category = regression(C=c, max_iter=5000).fit(matrix[harassing],
                                                               [rows[i].category for i in harassing])
        except ValueError as exc:  # too few rows for min_df, and the like
            raise KasuharaError(f"cannot train on these {len(rows)} rows: {exc}") from None
        self.about = {"rows": len(rows), "harassment_rows": sum(gold), "c": c, "min_df": min_df,
                      "trained": datetime.date.today().isoformat()}

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        """scikit-learn's own probabilities (the test compares the product's with these)."""
        matrix = self._hstack([v.transform(texts) for v in self.vectorizers.values()]).tocsr()
        return [float(p) for p in self.binary.predict_proba(matrix)[:, 1]]

    def to_json(self, sources: dict[str, int]) -> dict[str, Any]:
        # The category regression's classes are sorted by scikit-learn; the file keeps HARASSMENT_CATEGORIES order.
        order = [list(self.category.classes_).index(c) for c in self.categories]
        coef, intercepts = self.category.coef_, self.category.intercept_
        if len(self.category.classes_) == 2:  # scikit-learn keeps one row for two classes: the second's score
            coef, intercepts = [-coef[0], coef[0]], [-intercepts[0], intercepts[0]]
        blocks: dict[str, Any] = {}
        offset = 0
        for name, vectorizer in self.vectorizers.items():
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            weight, by_category = {}, {}
            for feature, index in vocabulary.items():
                column = offset + index
                if abs(w := float(self.binary.coef_[0][column])) >= _KEEP:
                    weight[feature] = round(w, 4)
                row = [float(coef[k][column]) for k in order]
                if max(abs(w) for w in row) >= _KEEP_CATEGORY:
                    by_category[feature] = [round(w, 3) for w in row]
            blocks[name] = {"idf": {f: round(float(vectorizer.idf_[i]), 4) for f, i in vocabulary.items()},
                            "weight": weight, "category_weights": by_category}
            offset += len(vocabulary)
        return {"format": MODEL_FORMAT, "about": {**self.about, "sources": sources},
                "categories": list(self.categories), "intercept": round(float(self.binary.intercept_[0]), 5),
                "category_intercepts": [round(float(intercepts[k]), 5) for k in order],
                "blocks": blocks}


def _analyzing(analyzer: Analyzer, features: Callable[..., list[str]]) -> Callable[[str], list[str]]:
    return lambda text: features(analyzer.analyze(text))


def write_model(data: dict[str, Any], path: Path) -> None:
    """JSON, gzipped when the name ends in .gz (deterministic: no time stamp in the gzip header)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    path.write_bytes(gzip.compress(text, mtime=0) if path.suffix == ".gz" else text)


def file_groups(names: Sequence[str]) -> dict[str, list[str]]:
    """Files grouped so that a set and its ASR copies (dev8.tsv, dev8_asr10.tsv) are held out together."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(Path(name).name.split("_asr")[0].removesuffix(".tsv"), []).append(name)
    return groups


def cross_validate(rows_of: dict[str, list[Row]], analyzer: Analyzer, score: Callable[[Any, Row], tuple[bool, float]],
                   thresholds: Sequence[float], c: float = 4.0, min_df: int = 2) -> list[tuple[str, float, Any]]:
    """Hold out each group of files in turn, train on the others, and score the held-out rows.

    ``score(model, row)`` returns (the rules call it harassment, the model's probability) for a row; the result
    is one line per (kind, threshold): kind ``clean`` or ``asr``, with precision, recall and F1 of rules alone,
    model alone and rules or model.
    """
    from kasuhara_live.judge.model import model_from_json

    results: dict[tuple[str, float], list[tuple[bool, bool, bool]]] = {}
    groups = file_groups(list(rows_of))
    if len(groups) < 2:
        raise KasuharaError("cross-validation holds out one file at a time: give two files or more (a file and its "
                            "ASR copies count as one)")
    for names in groups.values():
        training = [row for name, rows in rows_of.items() if name not in names for row in rows]
        model = model_from_json(Trained(training, analyzer, c, min_df).to_json({}))
        for name in names:
            kind = "asr" if "_asr" in Path(name).name else "clean"
            for row in rows_of[name]:
                rules, probability = score(model, row)
                for t in thresholds:
                    results.setdefault((kind, t), []).append((positive(row.level), rules, probability >= t))
    return [(kind, t, _prf(pairs)) for (kind, t), pairs in sorted(results.items())]


def _prf(pairs: list[tuple[bool, bool, bool]]) -> dict[str, tuple[float, float, float]]:
    """Precision, recall and F1 of rules alone, the model alone, and either, from (gold, rules, model) triples."""
    out = {}
    for name, column in (("rules", 1), ("model", 2), ("rules or model", 0)):
        said = [(p[0], p[1] or p[2] if column == 0 else p[column]) for p in pairs]
        scores = Scores(tp=sum(1 for gold, flagged in said if gold and flagged),
                        fp=sum(1 for gold, flagged in said if not gold and flagged),
                        fn=sum(1 for gold, flagged in said if gold and not flagged))
        out[name] = (scores.precision, scores.recall, scores.f1)
    return out
