"""Binomial rates with Wilson score intervals, and Newcombe's interval for a difference of two
independent rates (the compliance gap). Both are what the published experiments report."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials; (0, 1) when n is 0."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= k <= n:
        raise ValueError(f"k={k} is not within 0..n={n}")
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # at k = 0 and k = n the bound is exactly 0 or 1; computed, it can land a rounding error
    # inside (2.8e-17 for 0 of 10), and a plot's error bar would then have a negative length
    return (0.0 if k == 0 else max(0.0, centre - half), 1.0 if k == n else min(1.0, centre + half))


def newcombe(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (his method 10) for p1 − p2, built from the two Wilson
    intervals."""
    p1, p2 = (k1 / n1 if n1 else 0.0), (k2 / n2 if n2 else 0.0)
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    difference = p1 - p2
    lower = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (max(-1.0, lower), min(1.0, upper))


@dataclass(frozen=True)
class Rate:
    k: int
    n: int

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.k, self.n)

    def record(self) -> dict[str, object]:
        low, high = self.interval
        return {"k": self.k, "n": self.n, "rate": self.value,
                "ci95": [round(low, 6), round(high, 6)]}

    def text(self) -> str:
        if not self.n:
            return "–"
        low, high = self.interval
        return f"{self.k}/{self.n} {self.k / self.n:.0%} [{low:.0%}–{high:.0%}]"


def mcnemar_exact(b: int, c: int) -> float:
    """McNemar's exact two-sided p-value for paired binary outcomes with ``b`` pairs positive
    only in the first condition and ``c`` only in the second: twice the binomial(b + c, 1/2)
    tail of the smaller count, at most 1 (as statsmodels' ``mcnemar(exact=True)``)."""
    n = b + c
    if n == 0:
        return 1.0
    tail = float(sum(math.comb(n, i) for i in range(min(b, c) + 1))) / float(2 ** n)
    return min(1.0, 2 * tail)


def paired_bootstrap(b: int, c: int, n: int, rounds: int = 4000, seed: int = 0,
                     level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval for the paired difference p1 − p2 over ``n`` pairs, ``b``
    of them positive only in the first condition and ``c`` only in the second. Resampling pairs
    only moves those counts, so each round draws them from one multinomial (exact, and fast
    for any n); seeded, so a summary reproduces."""
    if n <= 0:
        return (-1.0, 1.0)
    if not 0 <= b + c <= n:
        raise ValueError(f"b={b}, c={c} do not fit in n={n} pairs")
    import numpy

    draws = numpy.random.default_rng(seed).multinomial(n, [b / n, c / n, (n - b - c) / n], size=rounds)
    differences = numpy.sort((draws[:, 0] - draws[:, 1]) / n)
    alpha = (1 - level) / 2
    low = float(numpy.quantile(differences, alpha))
    high = float(numpy.quantile(differences, 1 - alpha))
    return (low, high)


@dataclass(frozen=True)
class PairedDifference:
    """Two conditions measured on the same probes and seeds: the paired difference, McNemar's
    exact test and a paired bootstrap interval, and which pairs flip."""

    pairs: int
    both: int
    first_only: int
    second_only: int
    flips: tuple[tuple[str, int, bool], ...] = ()  # (probe, sample, first condition's outcome)

    @classmethod
    def of(cls, outcomes: dict[tuple[str, int], tuple[bool, bool]]) -> PairedDifference:
        flips = tuple(sorted((probe, sample, first) for (probe, sample), (first, second)
                             in outcomes.items() if first != second))
        return cls(pairs=len(outcomes),
                   both=sum(first and second for first, second in outcomes.values()),
                   first_only=sum(first and not second for first, second in outcomes.values()),
                   second_only=sum(second and not first for first, second in outcomes.values()),
                   flips=flips)

    @property
    def difference(self) -> float | None:
        return (self.first_only - self.second_only) / self.pairs if self.pairs else None

    def record(self, first: str = "first", second: str = "second",
               flip_limit: int = 100) -> dict[str, object]:
        """The numbers, with the two conditions named (``free``/``paid``, ``model``/``reference``)."""
        low, high = paired_bootstrap(self.first_only, self.second_only, self.pairs)
        difference = self.difference
        return {
            "pairs": self.pairs, "both": self.both, f"{first}_only": self.first_only,
            f"{second}_only": self.second_only,
            "difference": None if difference is None else round(difference, 6),
            "mcnemar_p": round(mcnemar_exact(self.first_only, self.second_only), 8),
            "bootstrap_ci95": [round(low, 6), round(high, 6)],
            "flips": [{"probe": probe, "sample": sample, first: outcome, second: not outcome}
                      for probe, sample, outcome in self.flips[:flip_limit]],
            "flips_total": len(self.flips),
        }
