"""Which model the lens reads: the provider says whether it can give full next-token
distributions (the embedded models can; OpenAI-compatible endpoints give top-k lists only)."""

from __future__ import annotations

from sashell.core.errors import SashellError
from sashell.core.models import ModelSpec
from sashell.core.providers import provider_for
from sashell.core.providers.base import NextTokenModel


def next_token_model(spec: ModelSpec) -> NextTokenModel:
    found = provider_for(spec).next_token_model(spec)
    if found is None:
        raise SashellError(f"model '{spec.name}' ({spec.provider}): the lens reads whole "
                           "next-token distributions, which only the embedded models give; "
                           "top-k log-probabilities from endpoints are not supported yet")
    return found
