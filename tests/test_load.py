"""The page under 20 concurrent conversations of 10 questions: all answered, all correct.

The scenario (questions, expected answers, per-session follow-ups) is in
``load_scenario``; the report goes to ``tests/artifacts/load_report.md``.  How fast
they are answered is measured by ``make bench`` (bench/load.py), not asserted here:
a timed assertion fails on a busy machine without anything being wrong.
"""

from __future__ import annotations

from collections.abc import Iterator

import load_scenario
import page_server
import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[page_server.Server]:
    yield from page_server.serving(tmp_path_factory.mktemp("load"), SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT)


def test_twenty_conversations_at_once_all_answered_correctly(server: page_server.Server):
    run = load_scenario.run(server.url)
    page_server.ARTIFACTS.mkdir(exist_ok=True)
    (page_server.ARTIFACTS / "load_report.md").write_text(run.markdown(), encoding="utf-8")
    print("\n" + run.markdown())
    assert len(run.exchanges) == load_scenario.CONVERSATIONS * load_scenario.QUESTIONS_EACH
    assert [(e.conversation, e.question, e.expected, e.answer) for e in run.exchanges if not e.correct] == []
