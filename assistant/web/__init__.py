"""The page's own markup, style and script: answers as HTML blocks, the source viewer drawer.

HTML is built here from the same pure helpers the exports use (``assistant.presenting``),
so the page layout (``app.py``) only places components and wires events.  The style sheet
and the two scripts are package files, read once when the page is built.
"""

from __future__ import annotations

from importlib.resources import files


def asset(name: str) -> str:
    """The text of one of this package's files: ``page.css``, ``conversation.js``, ``viewer.js``."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")
