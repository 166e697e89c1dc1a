"""What the position writer did: batch sizes, how long requests waited, commits, checkpoints.

Fixed-bucket histograms, so recording costs a comparison or two per request and a snapshot
never grows with the traffic. The ingest benchmark reads them to say where a latency tail
comes from (waiting for the batch in progress, the commit itself, a WAL checkpoint).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

#: Upper bounds of the latency buckets, in milliseconds (the last bucket is "more").
MS_BUCKETS = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
#: Upper bounds of the batch-size buckets.
SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


@dataclass
class Histogram:
    """Counts per bucket, with the total and the maximum (percentiles are bucket bounds)."""

    bounds: tuple[float, ...]
    counts: list[int] = field(init=False)
    count: int = 0
    total: float = 0.0
    max: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def add(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.count += 1
        self.total += value
        if value > self.max:
            self.max = value

    def percentile(self, q: float) -> float:
        """The upper bound of the bucket holding the ``q``-th percentile (the maximum when it
        falls in the last, open bucket): an upper estimate, never an understatement."""
        if not self.count:
            return 0.0
        rank = q / 100 * self.count
        seen = 0
        for bound, n in zip(self.bounds, self.counts, strict=False):
            seen += n
            if seen >= rank:
                return min(bound, self.max)
        return self.max

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean": self.total / self.count if self.count else 0.0,
            "p50": self.percentile(50),
            "p99": self.percentile(99),
            "max": self.max,
            "buckets": {_label(b): n for b, n in zip(self.bounds, self.counts, strict=False)}
            | {f">{_label(self.bounds[-1])}": self.counts[-1]},
        }


def _label(bound: float) -> str:
    return f"{bound:g}"


HISTOGRAMS = ("batch_size", "wait_ms", "queued_ms", "commit_ms", "checkpoint_ms", "catch_up_ms")


@dataclass
class WriterStats:
    """Recorded by the writer on its event loop, except ``checkpoint_ms`` (the checkpointer's
    thread); :meth:`snapshot` and :meth:`reset` take the lock."""

    #: Fixes per committed batch.
    batch_size: Histogram = field(default_factory=lambda: Histogram(SIZE_BUCKETS))
    #: Per request: from handing the fix over to the answer being ready (batch committed).
    wait_ms: Histogram = field(default_factory=lambda: Histogram(MS_BUCKETS))
    #: Per request: from handing the fix over until its batch began (the batch before it).
    queued_ms: Histogram = field(default_factory=lambda: Histogram(MS_BUCKETS))
    #: Per batch: the transaction, from BEGIN to COMMIT.
    commit_ms: Histogram = field(default_factory=lambda: Histogram(MS_BUCKETS))
    #: Per WAL checkpoint pass run off the commit path, in the checkpointer's thread (SQLite).
    checkpoint_ms: Histogram = field(default_factory=lambda: Histogram(MS_BUCKETS))
    #: Per catch-up checkpoint the writer ran between two batches after a pass (SQLite).
    catch_up_ms: Histogram = field(default_factory=lambda: Histogram(MS_BUCKETS))
    #: Batches committed on the event loop, and in a thread (another writer held the lock).
    inline: int = 0
    threaded: int = 0
    #: The most frames a checkpoint pass found in the WAL (it stays bounded when the WAL is
    #: restarted after every catch-up), and catch-ups that left frames behind (a reader).
    wal_frames_max: int = 0
    catch_up_incomplete: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                **{name: getattr(self, name).as_dict() for name in HISTOGRAMS},
                "inline": self.inline,
                "threaded": self.threaded,
                "wal_frames_max": self.wal_frames_max,
                "catch_up_incomplete": self.catch_up_incomplete,
            }

    def reset(self) -> None:
        with self._lock:
            for name in HISTOGRAMS:
                old: Histogram = getattr(self, name)
                setattr(self, name, Histogram(old.bounds))
            self.inline = self.threaded = self.wal_frames_max = self.catch_up_incomplete = 0
