"""A throwaway PostgreSQL server for the tests: its own cluster in a temp folder, a Unix socket only.

Debian's ``postgresql`` package (installed by .ci/system-deps) ships ``initdb``
and ``pg_ctl``; the server refuses to run as root, so as root the cluster is
made and started as the ``postgres`` system user.  Nothing listens on TCP.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    """The newest installed PostgreSQL bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_url() -> Iterator[str]:
    """Start a fresh cluster, create database ``budgetqa``, yield its SQLAlchemy URL, then stop it."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("没有安装 PostgreSQL（.ci/system-deps 会安装 postgresql）")
    folder = Path(tempfile.mkdtemp(prefix="budgetqa-pg-"))
    data, sock = folder / "data", folder / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sock, "postgres")
    run = lambda *cmd: subprocess.run(_as_server_user([str(c) for c in cmd]), check=True,  # noqa: E731
                                      capture_output=True, text=True)
    try:
        run(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
        run(bin_dir / "pg_ctl", "-D", data, "-w", "-l", folder / "server.log", "start",
            "-o", f"-k {sock} -c listen_addresses='' -p 5432 -c fsync=off")
        run(bin_dir / "createdb", "-h", sock, "-U", "postgres", "budgetqa")
        yield f"postgresql+psycopg://postgres@/budgetqa?host={sock}"
    finally:
        if (data / "postmaster.pid").exists():
            run(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)
