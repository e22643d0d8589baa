"""Text exports: prose lines and tab-separated table rows, a blank line between blocks.

This is the layout of the sample exports (UTF-8, ``\\n`` line ends, no final
newline, ``#`` heading marks where the export has them), including their
text-only quirks carried by the layout (``Para.lines``, ``Grid.text_rows``).
"""

from __future__ import annotations

from bench.corpus.layout import Document, Para, text_of


def _para_lines(p: Para, marks: bool) -> list[str]:
    texts = p.lines if p.lines is not None else [p.text, *([p.right] if p.right else [])]
    if marks and p.role == "heading":
        texts = ["#" * p.level + " " + texts[0], *texts[1:]]
    out: list[str] = []
    for i, text in enumerate(texts):
        if i:
            out.append("")
        out.append(text)
    return out


def render_text(doc: Document) -> bytes:
    """The whole document as a text export."""
    lines: list[str] = []
    for sheet in doc.sheets:
        for block in sheet.blocks:
            if isinstance(block, Para):
                lines += [""] * block.gap + _para_lines(block, doc.heading_marks)
                continue
            lines.append("")
            for r, row in enumerate(block.rows):
                cells = block.text_rows.get(r) or [text_of(c) for c in row]
                lines.append("\t".join(cells))
    return "\n".join(lines).encode("utf-8")
