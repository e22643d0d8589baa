"""Dense vectors computed in the background while the page serves: what ``budgetqa serve`` runs.

The page must come up at once on a fresh machine, and answer while the dense
model works through the corpus; so the work runs in a daemon thread that
fills whatever is pending, then looks again every few seconds (files uploaded
on the page add lexical chunks only, and become pending work like the rest).
Progress is read from the index itself (``VectorIndex.progress``), so the
page, ``budgetqa ask`` in another terminal and this thread all see the same
numbers.  On Linux the thread lowers its own scheduling priority: the model's
worker threads it starts inherit it, and the questions asked meanwhile get the
cores first.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from db.vector import VectorIndex

# How often an idle filler looks for new pending chunks: two counts per look.
POLL_SECONDS = 3.0
# Niceness of the filling thread (0 normal, 19 lowest).
NICENESS = 10

log = logging.getLogger(__name__)


class DenseBackfill:
    """A daemon thread that keeps computing pending dense vectors until stopped."""

    def __init__(self, index: VectorIndex, poll: float = POLL_SECONDS) -> None:
        self.index = index
        self.poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="budgetqa-dense-backfill", daemon=True)

    def start(self) -> DenseBackfill:
        """Fill in a thread of its own; returns self, so ``DenseBackfill(index).start()`` is one step."""
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Ask the work to end after its current batch; wait up to ``timeout`` seconds for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the thread is still running."""
        return self._thread.is_alive()

    def run(self) -> None:
        """Fill in the calling thread until ``stop``: for a caller that is a background thread already."""
        if sys.platform == "linux":  # per-thread on Linux; elsewhere it would renice the whole server
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        while not self._stop.is_set():
            try:
                if self.index.pending():
                    self.index.fill_dense(stop=self._stop)
            except Exception as exc:  # a broken batch must not end the page's background work for good
                log.warning("后台计算语义向量失败，%s 秒后重试：%s", self.poll, exc)
            self._stop.wait(self.poll)
