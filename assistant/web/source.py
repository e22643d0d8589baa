"""The source viewer's HTML: the page picture with the cited row boxed, or the rows with it marked.

The box is an element laid over the picture in percentages of the page, so it
stays on the row at any width the drawer has; its ``data-box`` keeps the box in
PDF points for anyone checking it against the file.  The stored original text
(markup included) is shown under the picture: it is what the figure was read from.
"""

from __future__ import annotations

import base64
from html import escape

from assistant.viewer import Grid, PageImage, SourceView

_CLOSE = '<button type="button" class="bqa-button" data-close aria-label="关闭原件">关闭</button>'


def source_html(view: SourceView) -> str:
    """The drawer showing one citation's original."""
    parts = []
    if view.note:
        parts.append(f'<p class="bqa-note">{escape(view.note)}</p>')
    if view.page is not None:
        parts.append(_page(view.page, view.page_file))
    if view.grid is not None:
        parts.append(_grid(view.grid, view.file_name))
    parts.append(f'<details class="bqa-original" open><summary>库中保存的原文（{escape(view.location)}）'
                 f"</summary><pre>{escape(view.original)}</pre></details>")
    return _drawer(f"<strong>{escape(view.file_name)}</strong> {escape(view.location)}", "".join(parts))


def message_html(text: str) -> str:
    """The drawer with a message only: the original is being opened, or cannot be."""
    return _drawer("<strong>原件</strong>", f'<p class="bqa-note">{escape(text)}</p>')


def _drawer(title: str, body: str) -> str:
    return (f'<aside class="bqa-viewer" role="dialog" aria-label="原件"><header><div>{title}</div>{_CLOSE}'
            f'</header><div class="bqa-viewer-body">{body}</div></aside>')


def _page(page: PageImage, file_name: str) -> str:
    picture = base64.b64encode(page.image).decode("ascii")
    mark = ""
    if page.box is not None:
        x0, top, x1, bottom = page.box
        across, down = 100 / page.width, 100 / page.height
        style = (f"left:{x0 * across:.3f}%;top:{top * down:.3f}%;"
                 f"width:{(x1 - x0) * across:.3f}%;height:{(bottom - top) * down:.3f}%")
        mark = (f'<span class="bqa-mark" style="{style}" '
                f'data-box="{x0:.1f},{top:.1f},{x1:.1f},{bottom:.1f}"></span>')
    name = f"{escape(file_name)} 第{page.number}页"
    return (
        f'<p class="bqa-page-caption">{name}{"（框出的是引用的行）" if mark else ""}</p>'
        f'<div class="bqa-page" data-page="{page.number}" '
        f'style="aspect-ratio:{page.width:.1f}/{page.height:.1f}">'
        f'<img src="data:{page.mime};base64,{picture}" alt="{name}">{mark}</div>'
    )


def _grid(grid: Grid, file_name: str) -> str:
    head = ""
    if grid.header:
        letters = "".join(f"<th>{escape(h)}</th>" for h in grid.header)
        head = f"<thead><tr><th></th>{letters}</tr></thead>"
    rows = "".join(
        f'<tr{" class=bqa-hit" if i == grid.hit else ""}><th>{escape(label)}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>"
        for i, (label, cells) in enumerate(zip(grid.labels, grid.rows, strict=True))
    )
    return (f'<p class="bqa-page-caption">{escape(file_name)}（标出的是引用的行）</p>'
            f'<div class="bqa-grid-wrap"><table class="bqa-grid">{head}<tbody>{rows}</tbody></table></div>')
