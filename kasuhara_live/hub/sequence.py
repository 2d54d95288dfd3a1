"""What the hub makes of a publish's ``seq``: a new event, a resend of one it has, or a reuse that must be
refused, so that no event is ever acked without being recorded (sans-I/O, no clock).

A seq number is only a key: the hub keeps, per call, a fingerprint of the event it accepted under each of
the last :data:`SEQ_WINDOW` seqs.  The same event under the same seq is a resend (acked again, kept once);
another event under a seq already used is refused; an unseen seq is a new event, whatever its order.
"""

from __future__ import annotations

import hashlib
from enum import Enum

from kasuhara_live.events import Event

# Seqs remembered per call. A publisher resends only what it had no ack for: what was in flight when its
# connection dropped, bounded by the hub's reply queue (hub.client_queue_limit, 1000 by default) and the
# socket buffers; four times that leaves room.
SEQ_WINDOW = 4096


class Verdict(Enum):
    """What a publish under a given seq is."""

    NEW = "new"  # never accepted: record, broadcast, ack
    RESENT = "resent"  # the same event again under the same seq: ack only
    CONFLICT = "conflict"  # another event under a seq already used: refuse
    LATE = "late"  # older than the window: record (the store keeps it once) and ack, but do not broadcast


def fingerprint(event: Event) -> bytes:
    """A digest of every field of an event (exact floats, not the wire's rounding), 16 bytes."""
    return hashlib.blake2b(repr(event).encode("utf-8", "surrogatepass"), digest_size=16).digest()


class SeqWindow:
    """The seqs accepted for one call, with the fingerprint of each event; at most :data:`SEQ_WINDOW`."""

    def __init__(self, size: int = SEQ_WINDOW) -> None:
        self.size = size
        self.newest = 0
        self._seen: dict[int, bytes] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def classify(self, seq: int, print_: bytes) -> Verdict:
        """What a publish of the event with fingerprint ``print_`` under ``seq`` is."""
        known = self._seen.get(seq)
        if known is not None:
            return Verdict.RESENT if known == print_ else Verdict.CONFLICT
        if seq <= self.newest - self.size:
            return Verdict.LATE
        return Verdict.NEW

    def accept(self, seq: int, print_: bytes) -> None:
        """Remember that ``seq`` now stands for that event (call once the event is recorded)."""
        self._seen[seq] = print_
        self.newest = max(self.newest, seq)
        while len(self._seen) > self.size:
            del self._seen[next(iter(self._seen))]  # the earliest accepted
