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
