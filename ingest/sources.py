"""Which files a run ingests, and the identity each one is stored under.

A document is not its bare file name: ``2023/卫健局.txt`` and ``2024/卫健局.txt``
are two documents.  The rule:

- a file found in a folder that is ingested is known by its path relative to
  that folder (``budgetqa ingest 资料`` stores ``资料/2024/卫健局.txt`` as
  ``2024/卫健局.txt``), so the same folder ingested again, from anywhere,
  replaces what changed;
- a file named on its own is known by its path as given, normalised relative
  to the current folder (``./a/../b/报告.txt`` → ``b/报告.txt``); a file outside
  the current folder (an upload in a temporary folder, ``../报告.txt``) is known
  by its name.

Identities use ``/`` whatever the system.  Callers that know better (the page
names an upload by the name the user gave it) pass a ``Source`` of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Source:
    """A file to ingest, the identity it is stored under, and whether it was named on its own."""

    path: Path
    identity: str
    explicit: bool = True


def readable(name: str) -> str:
    """A file name as text the store can keep.

    Bytes the file system could not decode (a name written by Chinese Windows,
    unpacked here) arrive as surrogate escapes; they are read as GB18030, and
    failing that shown as ``\\x..`` escapes.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "backslashreplace")
    return name


def identity_of(path: Path, folder: Path | None = None) -> str:
    """The identity of a file found in ``folder``, or of a file named on its own (see the module rule)."""
    if folder is not None:
        return readable(path.relative_to(folder).as_posix())
    try:
        relative = Path(os.path.relpath(os.path.abspath(path)))
    except ValueError:  # another drive than the current folder's
        return readable(path.name)
    return readable(path.name if relative.parts[:1] == ("..",) else relative.as_posix())


def expand(paths: Iterable[Path | Source]) -> Iterator[Source]:
    """The files to ingest: folders are walked (entries hidden below them skipped), files taken as named."""
    for item in paths:
        if isinstance(item, Source):
            yield item
        elif item.is_dir():
            for child in sorted(item.rglob("*")):
                # hidden means hidden below the folder: "../shared/data" itself starts with a dot
                if child.is_file() and not any(p.startswith(".") for p in child.relative_to(item).parts):
                    yield Source(child, identity_of(child, item), explicit=False)
        else:
            yield Source(item, identity_of(item))
