"""Load benchmark: ``python -m bench.load``.

Runs the load scenario of the tests (20 concurrent ``gradio_client``
conversations of 10 checked questions, see tests/load_scenario.py) against
``budgetqa serve`` on a scratch store holding the two .txt samples.  Besides
throughput and latency it reports the server's own CPU time per question: the
twenty clients run on the same machine, so that figure says what the server
could sustain when the load comes from elsewhere.  Writes bench/load_report.md.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests import load_scenario
from tests.page_server import ROOT, environment, ingest, start

SAMPLES = ROOT / "data" / "samples"
DOCUMENTS = ("wansheng_2024_key_special_funds.txt", "wansheng_2024_admin_office_dept_budget.txt")
REPORT = ROOT / "bench" / "load_report.md"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="budgetqa-load-") as tmp:
        env = environment(Path(tmp))
        ingest(env, *(SAMPLES / name for name in DOCUMENTS))
        server = start(env)
        try:
            load_scenario.run(server.url)  # warm-up: first answers load the vocabulary
            before = cpu_seconds(server.process.pid)
            run = load_scenario.run(server.url)
            server_cpu = cpu_seconds(server.process.pid) - before
        finally:
            server.stop()
    report = run.markdown() + (
        f"- 服务端 CPU：每问 {server_cpu / len(run.exchanges) * 1000:.0f} 毫秒"
        f"（本机 {os.cpu_count()} 核，20 个客户端与服务端同机运行，客户端占用其余 CPU）\n"
    )
    REPORT.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
