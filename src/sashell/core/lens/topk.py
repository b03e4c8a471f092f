"""Accept/reject and numeric answers read from an endpoint's top-k lists rather than a whole
distribution (``exact: false``). The tags are told apart at the first token where they differ;
a token both tags could still begin with is followed where the endpoint can continue a text
(completions), and counted as unresolved where it cannot (chat). A number is the answer's first
token when it is all digits; on completions endpoints, digits that a tokenizer splits are
followed to the whole number."""

from __future__ import annotations

from collections.abc import Callable

from sashell.core.annotate.compliance_phrases import ACCEPT_TAG, REJECT_TAG
from sashell.core.lens.sequences import AcceptReading, NumberReading

Top = list[tuple[str, float]]
After = Callable[[str], Top]  # the top-k after the answer so far (completions endpoints only)

MAX_DEPTH = 6  # tokens followed past the first
MIN_PATH = 1e-3  # paths less likely than this are not followed (their mass stays unresolved)
MAX_DIGITS = 4


def _agrees(text: str, tag: str) -> bool:
    return tag.startswith(text) or text.startswith(tag)


def accept_from_top(name: str, tier: str, probe: str, first: Top, after: After | None) -> AcceptReading:
    """P(accept) and P(reject) as the mass of first tokens on each tag's side where the tags
    part; the mass outside the lists and on unfollowed shared starts is ``unresolved``."""
    masses = {"accept": 0.0, "reject": 0.0, "unresolved": 0.0}

    def read(top: Top, so_far: str, weight: float, depth: int) -> None:
        masses["unresolved"] += weight * max(1.0 - sum(p for _, p in top), 0.0)
        for token, p in top:
            text, path = (so_far + token).lstrip(), weight * p
            accept, reject = _agrees(text, ACCEPT_TAG), _agrees(text, REJECT_TAG)
            if accept and reject:  # a start both tags share (or only whitespace so far)
                if after is not None and depth < MAX_DEPTH and path >= MIN_PATH:
                    read(after(so_far + token), so_far + token, path, depth + 1)
                else:
                    masses["unresolved"] += path
            elif accept:
                masses["accept"] += path
            elif reject:
                masses["reject"] += path

    read(first, "", 1.0, 0)
    return AcceptReading(name, tier, probe, masses["accept"], masses["reject"], exact=False,
                         unresolved=masses["unresolved"])


def _digits(token: str) -> bool:
    return bool(token) and token.isascii() and token.isdigit()


def number_from_top(name: str, probe: str, first: Top, after: After | None, low: int = 0,
                    high: int = 100) -> NumberReading:
    """P(the answer is n) from the first tokens that are digits (leading spaces allowed);
    where ``after`` can continue, a number's further digit tokens are followed and the answer
    ends where no digit follows."""
    reading = NumberReading(name, probe, low=low, high=high, exact=False)

    def add(digits: str, p: float) -> None:
        n = int(digits)
        if low <= n <= high and p > 0.0:
            reading.distribution[n] = reading.distribution.get(n, 0.0) + p

    def follow(so_far: str, digits: str, weight: float) -> None:
        top = after(so_far) if after is not None else []
        more = 0.0
        for token, p in top:
            if _digits(token):
                more += p
                if len(digits) + len(token) <= MAX_DIGITS and weight * p >= MIN_PATH:
                    follow(so_far + token, digits + token, weight * p)
        add(digits, weight * max(1.0 - more, 0.0))

    def start(top: Top, so_far: str, weight: float) -> None:
        for token, p in top:
            digits = token.strip()
            if not digits and after is not None and not so_far and weight * p >= MIN_PATH:
                start(after(token), token, weight * p)  # a space before the number
            elif not _digits(digits):
                continue
            elif after is not None and weight * p >= MIN_PATH:
                follow(so_far + token, digits, weight * p)
            else:
                add(digits, weight * p)

    start(first, "", 1.0)
    return reading
