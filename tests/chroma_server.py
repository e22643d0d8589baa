"""A throwaway Chroma server for the tests: ``chroma run`` from the installed chromadb, on a free port.

The server is the real one (the Rust binary behind chromadb's ``chroma`` command),
with its own data folder and telemetry off; it is up once its heartbeat answers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import chromadb
from chromadb.api import ClientAPI
from chromadb.config import Settings
from page_server import free_port

CHROMA = Path(sys.executable).parent / "chroma"


def http_client(url: str) -> ClientAPI:
    """A client of the server at ``url`` (what ``db.vector.make_client`` builds from BUDGETQA_CHROMA_URL)."""
    host, port = url.removeprefix("http://").split(":")
    return chromadb.HttpClient(host=host, port=int(port), settings=Settings(anonymized_telemetry=False))


@contextmanager
def chroma_url(timeout: float = 60.0) -> Iterator[str]:
    """Start a server on a fresh folder, wait for its heartbeat, yield its URL, then stop it."""
    folder = Path(tempfile.mkdtemp(prefix="budgetqa-chroma-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"}, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        began = time.monotonic()
        while True:
            if process.poll() is not None:
                output = (folder / "server.log").read_text()
                raise RuntimeError(f"chroma run 退出（{process.returncode}）：{output[-3000:]}")
            try:
                http_client(url).heartbeat()
                break
            except ValueError:  # chromadb's "Could not connect to a Chroma server": not listening yet
                if time.monotonic() - began > timeout:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
