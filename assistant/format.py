"""Figures the way budget staff read them: thousands separators, the source's decimals, 万元."""

from __future__ import annotations

from decimal import Decimal


def places(text: str | None) -> int:
    """Decimals the source wrote ("1,086.6" → 1, "502.00" → 2, "268" → 0)."""
    if not text or "." not in text:
        return 0
    return len(text.rsplit(".", 1)[1])


def amount(value: Decimal | float | int | None, decimals: int = 2) -> str:
    """An amount with thousands separators and a fixed number of decimals."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.{decimals}f}"


def computed(value: Decimal, sources: list[str | None]) -> str:
    """A sum or difference shown with the finest precision of the figures it came from."""
    return amount(value, max((places(s) for s in sources), default=0))


def percent(part: Decimal, whole: Decimal, decimals: int = 1) -> str:
    """A share as a percentage with one decimal unless asked otherwise."""
    if not whole:
        return "—"
    return f"{(Decimal(part) * 100 / Decimal(whole)):.{decimals}f}%"


CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9, "十": 10}


def cn_number(text: str) -> int | None:
    """Small Chinese or Arabic numerals: 三 → 3, 十二 → 12, 5 → 5."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS for c in text):
        return None
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + CN_DIGITS[text[1]]
    if len(text) == 2 and text[1] == "十":
        return CN_DIGITS[text[0]] * 10
    if len(text) == 3 and text[1] == "十":
        return CN_DIGITS[text[0]] * 10 + CN_DIGITS[text[2]]
    return CN_DIGITS[text] if len(text) == 1 else None
