"""How well a label's wording covers a question: the one scoring rule for picking figures and indicators.

Greedy common pieces of two or more characters, each counting its length
squared, so one contiguous match ("装修单价", "收入预算") outweighs the same
characters scattered over a longer label.
"""

from __future__ import annotations


def covered(text: str, *labels: str) -> int:
    """Sum over the greedy common pieces (2+ characters) of ``text`` and the labels of length squared."""
    score, i = 0, 0
    while i < len(text):
        j = next((j for j in range(len(text), i + 1, -1) if any(text[i:j] in label for label in labels)), i)
        if j > i:
            score += (j - i) ** 2
            i = j
        else:
            i += 1
    return score
