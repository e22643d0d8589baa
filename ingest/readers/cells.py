"""Cell-text clean-up shared by every reader, so all formats yield the same strings."""

from __future__ import annotations

import re

_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_WRAP_CJK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_cell(text: str | None) -> str | None:
    """Join text wrapped inside a cell (no space between Chinese characters), fold spaces.

    ``None`` stays ``None``: it marks a cell merged away, which differs from an empty cell.
    """
    if text is None:
        return None
    text = _WRAP_CJK.sub("", text.replace("\r", ""))
    text = "\n".join(_SPACES.sub(" ", part).strip() for part in text.split("\n"))
    return text.strip()
