"""How budget documents write amounts, labels and department cells.

Both the recognisers (reading a file) and the checks (reading the store back)
need these conventions, so they live beside the record types that every layer
may import.  They are conventions of Chinese budget documents in general
(amount styles such as ``1,086.6`` / ``502.00`` / ``268``, ``101-单位名称``
department cells, label cells with stray spaces or punctuation), not of any
one file.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"^[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^[-−]?\d+(?:\.\d+)?$")
_DEPT = re.compile(r"(\d{3,})\s*[-－—]\s*(\S.*)$")
_LABEL_NOISE = re.compile(r"[\s、:：*＊]")


def parse_amount(text: str | None) -> Decimal | None:
    """Parse an amount cell as written (thousands separators allowed); ``None`` when not a number."""
    if text is None:
        return None
    t = text.strip().replace("−", "-")
    if not t or not _AMOUNT.match(t):
        return None
    try:
        return Decimal(t.replace(",", ""))
    except InvalidOperation:
        return None


def label(text: str | None) -> str:
    """Normalise a label cell: drop spaces and stray punctuation, unify brackets."""
    if not text:
        return ""
    t = _LABEL_NOISE.sub("", text)
    return t.replace("(", "（").replace(")", "）")


def split_department(text: str) -> tuple[str | None, str]:
    """Split ``101-单位名称`` into code and name; text without a code keeps code ``None``."""
    m = _DEPT.search(text.strip())
    if not m:
        return None, text.strip()
    return m.group(1), m.group(2).strip()
