"""Money as whole cents, the ways the sources write it, and seeded randomness per purpose.

Every amount is an integer number of cents (0.01 万元) from the moment it is
drawn, so a subtotal is exactly the sum of its parts and nothing depends on
float rounding; amounts become text only when a document is written, in the
style the source uses at that place (``1,952.98`` in tables, ``1952.98`` or
``44.8`` in prose, ``1,086.6`` in the key-fund catalog, ``502.00`` / ``268`` /
``1086.61`` on the forms).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal


def rng(seed: int, *purpose: object) -> random.Random:
    """A generator for one named purpose.

    Seeding by purpose (document, department, fund…) rather than sharing one
    stream means one document's draws never shift another's: the 2024 budget of
    a department is the same whichever other years or departments are asked for.
    String seeds are hashed with SHA-512 by ``random``, so this is stable across
    runs and Python processes.
    """
    return random.Random("|".join(str(p) for p in (seed, *purpose)))


def to_decimal(cents: int) -> Decimal:
    """Cents as a two-place ``Decimal`` (the value the manifest and workbooks carry)."""
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


def round_cents(cents: int, step: int) -> int:
    """Round half up to a multiple of ``step`` cents (10 = one decimal, 100 = whole 万元)."""
    return int((Decimal(cents) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step


def table_text(cents: int) -> str:
    """A table cell: ``1,952.98``; zero is an empty cell, as the disclosure tables leave it."""
    return f"{to_decimal(cents):,.2f}" if cents else ""


def prose_text(cents: int) -> str:
    """A figure in narrative prose: no separators, trailing zeros dropped (``44.8``, ``40``, ``0``)."""
    text = f"{to_decimal(cents):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def catalog_text(cents: int) -> str:
    """A key-fund catalog figure: one decimal with separators (``1,086.6``)."""
    return f"{Decimal(round_cents(cents, 10)).scaleb(-2):,.1f}"


def form_text(cents: int, decimals: int) -> str:
    """A form's budget in the style its source used: ``268``, ``409.5``, ``502.00``, ``1086.61``."""
    return f"{to_decimal(cents):.{decimals}f}"


def split(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` cents in proportion to ``weights`` so the parts add up exactly.

    Largest remainder: each part gets its floor, the cents left over go to the
    parts with the largest fractions (ties to the earlier part), so the result is
    deterministic and no part is ever off by more than one cent.
    """
    if not weights:
        return []
    whole = sum(weights) or 1.0
    exact = [total * w / whole for w in weights]
    parts = [int(x) for x in exact]
    by_fraction = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_fraction[: total - sum(parts)]:
        parts[i] += 1
    return parts


def scaled(cents: int, factor: float, step: int = 1) -> int:
    """``cents × factor`` rounded to ``step``; never below one step for a non-zero amount."""
    if not cents:
        return 0
    return max(step, round_cents(round(cents * factor), step))
