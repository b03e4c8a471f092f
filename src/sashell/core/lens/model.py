"""Which reading of a model the lens gets: the provider says whether it gives whole next-token
distributions (the embedded models) or top-k lists after any text (completions endpoints)."""

from __future__ import annotations

from sashell.core.errors import SashellError
from sashell.core.models import ModelSpec
from sashell.core.providers import provider_for
from sashell.core.providers.base import NextTokenModel, TopKModel


def next_token_model(spec: ModelSpec) -> NextTokenModel:
    """The exact reading (accept and number need it)."""
    found = provider_for(spec).next_token_model(spec)
    if found is None:
        raise SashellError(f"model '{spec.name}' ({spec.provider}): this reading needs whole "
                           "next-token distributions, which only the embedded models give")
    return found


def letters_model(spec: ModelSpec) -> NextTokenModel | TopKModel:
    """Exact where the provider has whole distributions, else bounds from top-k lists."""
    provider = provider_for(spec)
    exact = provider.next_token_model(spec)
    if exact is not None:
        return exact
    top = provider.top_k_model(spec)
    if top is None:
        raise SashellError(f"model '{spec.name}' ({spec.provider}, {spec.endpoint} endpoint) "
                           "cannot score a fixed text: use its completions endpoint "
                           "(--endpoint completions) or an embedded model")
    return top
