"""``make bench``: every benchmark in turn, each writing its own report under bench/."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("bench.latency", "bench.retrieval", "bench.page_start", "bench.page_answer", "bench.load",
              "bench.scale")


def main() -> int:
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            print(f"（跳过 {name}：未找到）")
            continue
        print(f"== {name} ==")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
