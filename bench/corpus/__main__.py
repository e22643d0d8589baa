"""``python -m bench.corpus --out DIR --departments N --years 2022,2023,2024 --seed S``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.corpus import FORMATS, Options, generate


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.corpus",
        description="Generate budget documents modelled on data/samples (a key-fund compilation per "
                    "year, a department disclosure per department and year) and manifest.json, the "
                    "figures they state.",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    parser.add_argument("--departments", type=int, required=True,
                        help="departments with a disclosure each year (at most the 45 the samples name)")
    parser.add_argument("--years", required=True, help="comma-separated years, 2021–2025")
    parser.add_argument("--seed", type=int, required=True, help="same arguments and seed, same bytes")
    parser.add_argument("--formats", default="txt",
                        help=f"comma-separated, of {','.join(FORMATS)} (default txt)")
    parser.add_argument("--messy", type=float, default=0.0, help="share of documents given mess (default 0)")
    args = parser.parse_args(argv)
    try:
        options = Options(args.departments, tuple(int(y) for y in _list(args.years)), args.seed,
                          tuple(_list(args.formats)), args.messy)
        started = time.perf_counter()
        manifest = generate(args.out, options)
    except ValueError as exc:
        parser.error(str(exc))
    files = sum(len(d["files"]) for d in manifest["documents"])
    print(f"{len(manifest['documents'])} documents, {files} files in {args.out} "
          f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
