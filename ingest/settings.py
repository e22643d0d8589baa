"""Ingest settings from the environment: how much one file may cost, and who is ingesting.

Limits exist so that no file can exhaust memory or hang a run: a file over a
limit is refused with a message naming the limit and the variable that raises
it, and the other files of the run still go in.  Each limit bounds a different
way a small file turns into a large amount of work: its size on disk, the text
it expands to (a zip member can expand a thousandfold), and a workbook's cells.
"""

from __future__ import annotations

import getpass
import math
import os
from dataclasses import dataclass

MB = 1_000_000
PACKAGE_FACTOR = 5


@dataclass(frozen=True)
class Limits:
    """The most one file may cost; every default is far above a real budget document.

    The district's whole 重点专项 compilation is 0.13 MB of text and one
    department's workbook a few thousand cells; ingesting costs about 25 MB of
    memory per MB of text, so at the default text limit one file stays near
    half a gigabyte.  An .xlsx/.docx package may expand to ``PACKAGE_FACTOR``
    times the text limit, because its XML markup outweighs the text it holds.
    """

    file_bytes: int = 50 * MB
    text_bytes: int = 20 * MB
    cells: int = 200_000

    @property
    def package_bytes(self) -> int:
        return self.text_bytes * PACKAGE_FACTOR

    @classmethod
    def from_env(cls) -> Limits:
        """``BUDGETQA_MAX_FILE_MB``, ``BUDGETQA_MAX_TEXT_MB``, ``BUDGETQA_MAX_CELLS``, else the defaults."""
        default = cls()
        return cls(
            file_bytes=int(_positive("BUDGETQA_MAX_FILE_MB", default.file_bytes / MB) * MB),
            text_bytes=int(_positive("BUDGETQA_MAX_TEXT_MB", default.text_bytes / MB) * MB),
            cells=int(_positive("BUDGETQA_MAX_CELLS", default.cells)),
        )


class SettingError(ValueError):
    """A setting in the environment has a value that cannot be used; the message says which, in Chinese."""


def _positive(name: str, default: float) -> float:
    """A positive number from the environment; a wrong value is an error, never silently ignored."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < math.inf:
        raise SettingError(f"环境变量 {name} 应为正数，当前为“{raw}”")
    return value


def operator() -> str:
    """Who ingests, for the version history: ``BUDGETQA_USER``, else the account running the command."""
    name = os.environ.get("BUDGETQA_USER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "未知用户"
