"""Numeric self-reports: the number a reply gives on a probe's scale (e.g. 0–100), or None.

As in the self-awareness experiments, answers that are not a number on the scale are dropped
and counted, never guessed. Mentions of the scale itself ("from 0 to 100", "out of 100",
"/100") are not answers.
"""

from __future__ import annotations

import re

from sashell.core.annotate.compliance import split_reply

_SCALE_MENTION = re.compile(
    r"(?:\b(?:from\s+)?-?\d+(?:\.\d+)?\s*(?:to|-|–|—)\s*-?\d+(?:\.\d+)?\b)"  # "0 to 100", "0-100"
    r"|(?:(?:out\s+of|/)\s*\d+(?:\.\d+)?\b)"  # "out of 100", "/100"
    r"|(?:\bscale\s+of\s+\d+\b)",
    re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*\d)")


def parse_score(reply: str, scale: tuple[float, float]) -> float | None:
    """The first number in the final answer that lies on ``scale``, once scale mentions are
    removed; None when there is none."""
    answer = split_reply(reply)[1]
    low, high = scale
    for match in _NUMBER.finditer(_SCALE_MENTION.sub(" ", answer)):
        value = float(match.group())
        if low <= value <= high:
            return value
        return None  # the first number given is off the scale: not an answer on it
    return None
