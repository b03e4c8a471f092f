"""What a sweep will cost before anything is sent: requests, an estimate of the tokens, and the
price from the ``[prices]`` table of sashell.toml (USD per million tokens; no price is shipped,
since prices change: copy them from the provider's pricing page).

    [prices."gpt-4o-mini-2024-07-18"]    # the model id a request names
    input = 0.15
    output = 0.60
    batch = 0.5                          # the Batch API's multiplier (default 0.5)

Input tokens are estimated from the characters sent (about four per token for English, plus a
few per message); output tokens are counted at ``max_tokens``, so the cost is an upper bound of
the output and an estimate of the input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from sashell.core.config import config_tables
from sashell.core.errors import SashellError
from sashell.core.providers import provider_for
from sashell.core.sweep.runner import Sweep
from sashell.core.sweep.spec import Cell

CHARS_PER_TOKEN = 4.0
TOKENS_PER_MESSAGE = 4  # the chat format's own tokens around each message
DEFAULT_BATCH_MULTIPLIER = 0.5


@dataclass(frozen=True)
class Price:
    input: float  # USD per million input tokens
    output: float  # USD per million output tokens
    batch: float = DEFAULT_BATCH_MULTIPLIER


def price_table() -> dict[str, Price]:
    prices: dict[str, Price] = {}
    for path, table in config_tables("prices"):
        for model, entry in table.items():
            prices[str(model)] = _price(path, str(model), entry)
    return prices


def _price(path: Path, model: str, entry: object) -> Price:
    if not isinstance(entry, dict):
        raise SashellError(f"{path}: [prices.\"{model}\"] must be a table of input, output, batch")
    values: dict[str, float] = {}
    for key, default in (("input", None), ("output", None), ("batch", DEFAULT_BATCH_MULTIPLIER)):
        value = entry.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e6:
            raise SashellError(f"{path}: [prices.\"{model}\"] {key} must be a number of dollars per "
                               "million tokens (batch: a multiplier)")
        values[key] = float(value)
    return Price(values["input"], values["output"], values["batch"])


@dataclass
class ModelCost:
    model: str  # the model id requests name
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0  # at most
    price: Price | None = None

    def dollars(self, batch: bool) -> float | None:
        if self.price is None:
            return None
        dollars = (self.input_tokens * self.price.input + self.output_tokens * self.price.output) / 1e6
        return dollars * (self.price.batch if batch else 1.0)


@dataclass
class CostEstimate:
    batch: bool
    models: dict[str, ModelCost] = field(default_factory=dict)

    @property
    def dollars(self) -> float | None:
        """The whole sweep's estimate, or None when a billed model has no price."""
        costs = [m.dollars(self.batch) for m in self.models.values()]
        return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)

    def unpriced(self) -> list[str]:
        return [m.model for m in self.models.values() if m.price is None]

    def text(self) -> str:
        requests = sum(m.requests for m in self.models.values())
        inputs = sum(m.input_tokens for m in self.models.values())
        outputs = sum(m.output_tokens for m in self.models.values())
        dollars = self.dollars
        cost = (f"estimated cost ≤ ${dollars:,.2f}{' (batch price)' if self.batch else ''}"
                if dollars is not None else
                f"cost unknown: no [prices] entry in sashell.toml for {', '.join(self.unpriced())}")
        return (f"{requests:,} billed requests, ~{inputs:,} input tokens, ≤ {outputs:,} output "
                f"tokens; {cost}")


def estimate(sweep: Sweep, cells: list[Cell], batch: bool) -> CostEstimate:
    """The cost of sending ``cells`` to the sweep's billed models (embedded ones cost nothing)."""
    prices = price_table()
    result = CostEstimate(batch)
    for cell in cells:
        spec = sweep.models[cell.model]
        if not provider_for(spec).capabilities(spec).billed:
            continue
        plan = sweep.plan(cell, attempt=1)
        messages = plan.messages()
        chars = sum(len(m["content"]) for m in messages)
        cost = result.models.setdefault(spec.model, ModelCost(spec.model, price=prices.get(spec.model)))
        cost.requests += 1
        cost.input_tokens += math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * len(messages)
        cost.output_tokens += plan.params.max_tokens
    return result


def check_budget(estimate_: CostEstimate, max_cost: float | None) -> None:
    """Refuse (one line) a sweep over ``max_cost`` dollars, or one whose cost is unknown."""
    if max_cost is None or not estimate_.models:
        return
    dollars = estimate_.dollars
    if dollars is None:
        raise SashellError(f"--max-cost: no price for {', '.join(estimate_.unpriced())} in the "
                           "[prices] table of sashell.toml, so the cost cannot be checked")
    if dollars > max_cost:
        raise SashellError(f"estimated cost ${dollars:,.2f} is over --max-cost ${max_cost:,.2f}; "
                           "nothing was sent")
