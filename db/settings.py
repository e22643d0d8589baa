"""Limits an operator sets through the environment, refused in Chinese when they make no sense.

A limit read as ``0`` or ``abc`` would quietly switch itself off (or crash a
question later, far from its cause), so every numeric setting goes through
``positive``: unset or blank means the default, anything but a positive number
is a ``SettingError`` whose message names the variable and the value.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import TypeVar

Number = TypeVar("Number", int, float)


class SettingError(ValueError):
    """An environment variable holds an unusable value; the message is the Chinese explanation."""


def positive(name: str, default: Number, kind: Callable[[str], Number]) -> Number:
    """The positive ``kind`` (``int`` or ``float``) in ``$name``, or ``default`` when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = kind("0")  # reported just below, with the zero and negative values
    if not (value > 0 and math.isfinite(value)):
        what = "正整数" if kind is int else "正数"
        raise SettingError(f"环境变量 {name} 应为{what}，现为“{raw}”。")
    return value
