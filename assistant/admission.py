"""How many questions run at once, in total and per conversation; the rest are told to come back.

A question to a language model holds a worker for up to its deadline.  The
page has a fixed number of workers, so without a bound a handful of slow
questions would occupy them all and every later visitor would wait with no
answer.  ``Admission`` refuses at once instead of queueing: the visitor gets
a Chinese "busy, try again" answer in milliseconds, and a conversation that
is still waiting for one answer cannot start a second one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from threading import BoundedSemaphore, Lock


class Busy(Exception):
    """No room for the question now; the message is the Chinese answer."""


class Admission:
    """At most ``total`` questions at once, at most ``per_conversation`` of them from one conversation."""

    def __init__(self, total: int, per_conversation: int = 1) -> None:
        self.total = total
        self.per_conversation = per_conversation
        self._slots = BoundedSemaphore(total)
        self._lock = Lock()
        self._running: Counter[Hashable] = Counter()

    @contextmanager
    def admit(self, conversation: Hashable) -> Iterator[None]:
        """Hold a slot while the block runs; ``Busy`` at once when there is none."""
        with self._lock:
            if self._running[conversation] >= self.per_conversation:
                raise Busy("上一个问题还在处理中，请等它答完再提问。")
            if not self._slots.acquire(blocking=False):
                raise Busy(f"当前正在处理的问题已达上限（{self.total} 个），请稍后再试。")
            self._running[conversation] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[conversation] -= 1
                if not self._running[conversation]:
                    del self._running[conversation]
                self._slots.release()
