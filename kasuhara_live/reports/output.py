"""Writing report files: owner-only permissions, because transcripts and evidence are personal data."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from kasuhara_live.errors import KasuharaError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """``name`` usable as one file name (call ids come from seat names and files: no separators, no dots first)."""
    return _UNSAFE.sub("_", name).lstrip(".") or "call"


def private_dir(path: Path) -> Path:
    """Create ``path`` (owner-only when new) and return it; a :class:`KasuharaError` when that is impossible."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise KasuharaError(f"cannot create the output folder {path}: {exc.strerror}") from None
    if not path.is_dir():
        raise KasuharaError(f"{path} is not a folder: give --out a folder for the report files")
    return path


def write_private(path: Path, content: str, encoding: str = "utf-8") -> Path:
    """Write ``content`` to ``path`` readable and writable by its owner only (0600), replacing it if present."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise KasuharaError(f"cannot write {path}: {exc.strerror}") from None
    # O_CREAT's mode only applies to a new file: an existing report keeps its old mode unless it is set here
    # (a regular file only: `--out /dev/stdout` must not change the terminal's mode).
    if stat.S_ISREG(os.fstat(fd).st_mode):
        os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
        fh.write(content)
    return path
