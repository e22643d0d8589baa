"""Figure verification: which source rows back the figures an answer states, and which figures nothing backs.

An answer engine collects ``Evidence``: each result row (or search passage)
it read, with the values it showed and the source rows those values were
read from.  ``verify`` then decides per stated figure:

- it is *verified* when some evidence value holds it — a source row's text
  or a column value written the same (5763 = 5,763.0 = 5763.00), or a number
  computed by SQL (a SUM) that rounds to it at the decimals the answer wrote;
- it is *cited* by those of the backing evidence's source rows whose text
  contains it; a computed figure, which no single row contains, is cited by
  all the source rows its result row was read from;
- anything else is *unverified*: it gets no citation, and ``mark`` flags it
  in the text.

Engines share this module (the LLM engine now, the rule engine can pass its
cited rows as ``Evidence.row``), so a citation means the same in every answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from db.citations import Citation
from db.figures import Figure, numbers

UNVERIFIED = "（未核实）"
MIN_QUOTE = 2  # characters a text value needs before its appearing in an answer means anything


@dataclass(frozen=True)
class Evidence:
    """One thing an answer may rest on: values that were shown, the source rows they were read from."""

    sources: tuple[Citation, ...] = ()
    values: tuple[object, ...] = ()

    @classmethod
    def row(cls, citation: Citation) -> Evidence:
        """A source row on its own: its text is its value."""
        return cls((citation,), (citation.text,))


@dataclass(frozen=True)
class Verification:
    """The outcome: the citations to attach, the figures backed and those nothing backs."""

    citations: list[Citation] = field(default_factory=list)
    verified: list[Figure] = field(default_factory=list)
    unverified: list[Figure] = field(default_factory=list)


def holds(value: object, figure: Figure) -> bool:
    """Whether ``value`` states ``figure``: a text holding the same number, or a number equal to it.

    A number may carry more decimals than the answer wrote (SQL's 67309.9000
    or 12.3456 for "12.35"); it then counts when it rounds to the figure.
    """
    if isinstance(value, str):
        return figure.value in numbers(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    try:
        exact = abs(Decimal(str(value)))
        if exact == figure.value:
            return True
        rounded = exact.quantize(Decimal(1).scaleb(-figure.places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # NaN, infinity, or too many digits to round
        return False
    return rounded == figure.value


def verify(stated: Iterable[Figure], evidence: Sequence[Evidence]) -> Verification:
    """Back each stated figure with evidence, or leave it unverified (see the module docstring)."""
    cited: dict[Citation, None] = {}  # ordered set
    verified: list[Figure] = []
    unverified: list[Figure] = []
    for figure in stated:
        backing = [e for e in evidence if any(holds(v, figure) for v in e.values)]
        if not backing:
            unverified.append(figure)
            continue
        verified.append(figure)
        for item in backing:
            containing = [c for c in item.sources if figure.value in numbers(c.text)]
            cited.update(dict.fromkeys(containing or item.sources))
    return Verification(list(cited), verified, unverified)


def quoted(text: str, evidence: Sequence[Evidence]) -> list[Citation]:
    """Source rows behind the words an answer quotes (a contact's name, a fund's name).

    For answers that state no figure: each evidence item whose text value
    appears in the answer contributes its source rows.  A value every item
    shares (the unit 万元, the program 重点专项) tells no row from another
    and does not count.
    """
    words = [{v.strip() for v in item.values if isinstance(v, str) and len(v.strip()) >= MIN_QUOTE}
             for item in evidence]
    shared = set.intersection(*words) if len(words) > 1 else set()
    cited: dict[Citation, None] = {}  # ordered set
    for item, own in zip(evidence, words, strict=True):
        if any(word in text for word in own - shared):
            cited.update(dict.fromkeys(item.sources))
    return list(cited)


def mark(text: str, unverified: Sequence[Figure]) -> str:
    """``text`` with 「（未核实）」 after every unverified figure, so no reader takes it as checked."""
    for figure in sorted(unverified, key=lambda f: f.end, reverse=True):
        text = text[:figure.end] + UNVERIFIED + text[figure.end:]
    return text
