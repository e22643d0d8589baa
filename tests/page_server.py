"""Run ``budgetqa serve`` in a subprocess on its own store and wait until the page answers.

Shared by the browser test, the load test and ``bench/page_start.py`` so that
all three exercise the start-up path ``make run`` takes (the real CLI, a real
port), not an in-process shortcut that could hide a slow or broken start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"  # git-ignored: screenshots and reports of test runs


def environment(home: Path, cold: bool = False) -> dict[str, str]:
    """The environment of a server on ``home`` alone: no shared database or vector server.

    The dense model's vectors stay in the machine-wide embedding cache, so test
    servers do not embed the samples again (about a minute and a half of CPU);
    ``cold`` gives ``home`` an empty cache of its own, as on a fresh machine.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("BUDGETQA_DB_URL", "BUDGETQA_CHROMA_URL")}
    env.update(BUDGETQA_HOME=str(home), GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
    if cold:
        env["BUDGETQA_EMBEDDING_CACHE"] = str(home / "embedding_cache.sqlite3")
    return env


def ingest(env: dict[str, str], *paths: Path) -> None:
    """Fill the store with the CLI, exactly as a user would before serving."""
    subprocess.run(
        [sys.executable, "-m", "cli", "ingest", *map(str, paths)], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def free_port() -> int:
    """A port nobody listens on right now (tests run beside a possible ``make run``)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running ``budgetqa serve`` and how long it took until its page answered HTTP 200."""

    url: str
    process: subprocess.Popen
    log: Path
    seconds: float

    def stop(self) -> None:
        """Terminate the server (and wait, so the port and the store are free afterwards)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(
    env: dict[str, str], samples: Path | None = None, timeout: float = 600.0, args: Sequence[str] = ()
) -> Server:
    """Start ``python -m cli serve [args]`` on a free port and poll its page until HTTP 200."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [sys.executable, "-m", "cli", "serve", "--port", str(port), *args]
    if samples is not None:
        cmd += ["--samples", str(samples)]
    log = Path(env["BUDGETQA_HOME"]) / "serve.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(url, process, log, 0.0)
    while time.perf_counter() - began < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"budgetqa serve 退出（{process.returncode}）：\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    server.seconds = time.perf_counter() - began
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    server.stop()
    raise TimeoutError(f"{timeout:.0f} 秒内页面没有响应：\n{log.read_text()[-3000:]}")


def serving(
    home: Path, *documents: Path, settings: dict[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[Server]:
    """For a module fixture: a server on ``home`` holding ``documents``, stopped afterwards.

    The documents go in through ``budgetqa ingest`` first, as a user would load them;
    ``settings`` are extra environment variables, ``args`` extra ``serve`` options.
    """
    env = {**environment(home), **(settings or {})}
    ingest(env, *documents)
    server = start(env, args=args)
    try:
        yield server
    finally:
        server.stop()
