"""How well a label's wording covers a question: the one scoring rule for picking figures and indicators.

Greedy common pieces of two or more characters, each counting its length
squared, so one contiguous match ("装修单价", "收入预算") outweighs the same
characters scattered over a longer label.
"""

from __future__ import annotations


def covered(text: str, *labels: str) -> int:
    """Sum over the greedy common pieces (2+ characters) of ``text`` and the labels of length squared.

    The longest piece starting at a character is found by growing it: a piece's every prefix
    also occurs wherever the piece does, so the first length that fails ends the search.
    """
    score, i = 0, 0
    while i < len(text):
        j = i + 2
        while j <= len(text) and any(text[i:j] in label for label in labels):
            j += 1
        if j - 1 > i + 1:
            score += (j - 1 - i) ** 2
            i = j - 1
        else:
            i += 1
    return score
