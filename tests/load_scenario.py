"""Twenty people at once: concurrent conversations through ``gradio_client``, every answer checked.

Each conversation is its own ``Client`` (its own session, so its own
``Conversation`` on the server) and asks ten questions, one of them a follow-up
("那它的联系人呢？") whose right answer depends on that conversation's previous
question.  Conversations ask about different funds in different orders, so a
focus leaking between sessions shows up as a wrong contact.

Shared by ``tests/test_load.py`` (asserts) and ``bench/load.py`` (writes the report).
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from gradio_client import Client

CONVERSATIONS = 20
# (question, text the answer must contain): independent questions every conversation asks
SHARED = [
    ("哪个部门的专项预算最多", "卫生健康局"),
    ("卫健局有几个专项？", "5个"),
    ("500万元及以上的专项一共有多少个？", "27个"),
    ("组织部的两个专项加起来一共多少钱？", "422.7"),
    ("单个专项预算排第三的是哪个？", "农业生产发展专项"),
    ("残联两个专项加起来多少？", "627.1"),
    ("农林局有几个专项？", "4个"),
    ("镇街里面专项总额最少的是哪个？", "黑山镇"),
]
# (fund, its budget as answered, its contact): the follow-up pair differs between conversations
FUNDS = [
    ("办公用房管理专项", "550.0", "赵煜笛"),
    ("人才发展专项", "300.0", "陈瑜"),
    ("科技创新激励扶持专项", "504.0", "汪璐瑶"),
    ("农业生产发展专项", "5,763.0", "彭鹏"),
]
QUESTIONS_EACH = len(SHARED) + 2


@dataclass(frozen=True)
class Exchange:
    """One question of one conversation, what came back and how long it took."""

    conversation: int
    question: str
    expected: str
    answer: str
    seconds: float

    @property
    def correct(self) -> bool:
        return self.expected in self.answer


@dataclass(frozen=True)
class LoadRun:
    """Every exchange of one load run and its wall-clock time."""

    exchanges: list[Exchange]
    seconds: float

    @property
    def throughput(self) -> float:
        """Answered questions per second over the whole run."""
        return len(self.exchanges) / self.seconds

    def percentile(self, p: int) -> float:
        """Latency percentile in seconds (``p`` in 1..99)."""
        return statistics.quantiles([e.seconds for e in self.exchanges], n=100)[p - 1]

    def markdown(self) -> str:
        """The Chinese report for people and for ``bench/load_report.md``."""
        wrong = sum(not e.correct for e in self.exchanges)
        return (
            "# 负载测试\n\n"
            f"- 并发对话：{CONVERSATIONS} 个（各自的 gradio_client 会话），每个 {QUESTIONS_EACH} 问，"
            f"共 {len(self.exchanges)} 问，答错 {wrong} 问\n"
            f"- 总耗时：{self.seconds:.2f} 秒；吞吐量：{self.throughput:.1f} 问/秒\n"
            f"- 延迟：p50 {self.percentile(50) * 1000:.0f} 毫秒，p95 {self.percentile(95) * 1000:.0f} 毫秒，"
            f"最长 {max(e.seconds for e in self.exchanges) * 1000:.0f} 毫秒\n"
        )


def script(k: int) -> list[tuple[str, str]]:
    """Conversation ``k``'s questions: the shared ones rotated, its fund pair inserted somewhere."""
    shared = SHARED[k % len(SHARED):] + SHARED[:k % len(SHARED)]
    fund, budget, contact = FUNDS[k % len(FUNDS)]
    at = k % (len(shared) + 1)
    return [*shared[:at], (f"{fund}今年预算多少？", budget), ("那它的联系人呢？", contact), *shared[at:]]


def converse(url: str, k: int) -> list[Exchange]:
    """Ask conversation ``k``'s questions in order, in one client session."""
    client = Client(url, verbose=False)
    out = []
    for question, expected in script(k):
        began = time.perf_counter()
        answer = client.predict(question, api_name="/chat")
        out.append(Exchange(k, question, expected, answer, time.perf_counter() - began))
    return out


def run(url: str) -> LoadRun:
    """All conversations at once against the page at ``url``; errors propagate."""
    began = time.perf_counter()
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        runs = list(pool.map(lambda k: converse(url, k), range(CONVERSATIONS)))
    return LoadRun([e for exchanges in runs for e in exchanges], time.perf_counter() - began)
