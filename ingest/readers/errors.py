"""The one error readers raise: its message is shown to users, in Chinese, naming the reason.

Also the checks that tell the usual reasons apart before a library fails with a
message no user can act on ("File is not a zip file").
"""

from __future__ import annotations

import zipfile
from pathlib import Path

_ZIP = b"PK"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: encrypted OOXML or legacy .xls/.doc


class ReaderError(Exception):
    """A file could not be read; the caller adds the file name to the message."""


def check_office_zip(path: Path, kind: str, legacy: str) -> None:
    """Raise a ``ReaderError`` naming why an .xlsx/.docx is not a readable Office package.

    ``kind`` names the program ("Excel"), ``legacy`` the old binary extension (".xls").
    Password-protected Office files are not zips at all but compound files, exactly
    like the legacy binary formats, so one message covers both.
    """
    with path.open("rb") as f:
        head = f.read(len(_OLE))
    if head == _OLE:
        raise ReaderError(
            f"{kind} 文件受密码保护（已加密），或是旧版 {legacy} 格式；请取消密码或另存为新格式后再导入"
        )
    if not head.startswith(_ZIP):
        raise ReaderError(f"不是有效的 {kind} 文件（文件内容不是 {kind} 格式）")
    if not zipfile.is_zipfile(path):
        raise ReaderError(f"{kind} 文件已损坏或不完整")
