"""One hub per call store: an exclusive lock on a file beside the store, held while the hub runs.

Two hubs on one store would each believe they own the live calls and acknowledge events the other then
drops.  ``flock`` is released by the kernel when the process ends, however it ends (kill -9 included), so a
crashed hub never leaves a stale lock; the lock file itself stays (deleting it would race a hub starting).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from kasuhara_live.hub import HubError


def lock_path(store: Path) -> Path:
    """The lock file of a store: ``calls.sqlite`` -> ``calls.sqlite.hub-lock``."""
    return store.with_name(store.name + ".hub-lock")


@contextlib.contextmanager
def hub_lock(store: Path) -> Iterator[Path]:
    """Hold the store's hub lock for the ``with`` block; :class:`HubError` if another hub holds it."""
    path = lock_path(store)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise HubError(f"cannot create the hub lock {path}: {exc.strerror}: check the store's folder") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            pid = f" (pid {holder})" if holder.isdigit() else ""
            raise HubError(f"another hub{pid} already uses the call store {store}: stop it first, or give this "
                           "hub its own --store") from None
        # The pid is for that message only; the lock is the flock, not the file's content.
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock
