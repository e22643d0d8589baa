"""What the source viewer shows for one citation: a page picture with a box, or a grid with a row marked.

Plain data, so that finding the original (``assistant.viewer``) and drawing it
(the page's HTML) stay apart and both can be tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points from the page's top left


@dataclass(frozen=True)
class PageImage:
    """One PDF page rendered as a picture, and the cited row's box on it (``None``: not found)."""

    image: bytes
    mime: str
    number: int
    width: float
    height: float
    box: Box | None


@dataclass(frozen=True)
class Grid:
    """Rows around the cited one, as the file lays them out; ``hit`` is the cited row's index."""

    header: list[str]
    labels: list[str]
    rows: list[list[str]]
    hit: int | None


@dataclass(frozen=True)
class SourceView:
    """The original a citation points at: where it is, its stored text, and the page or the rows.

    ``original`` is the row exactly as stored (markup included), the evidence a
    figure is checked against; ``note`` explains a fallback in Chinese.
    """

    file_name: str
    location: str
    original: str
    page: PageImage | None = None
    page_file: str = ""
    grid: Grid | None = None
    note: str = ""
