"""The token-level lens: what a model's probabilities say about a reply, not only its sampled text.

``letters`` reads, at each line start of a reply, the probability that the line begins with each
letter (letter pressure, for acrostics); ``accept`` the probability that an answer opens with the
accept tag rather than the reject tag; ``number`` the expected value of a 0-100 answer. On the
embedded model every reading is exact: the next-token distribution over the whole vocabulary,
after any text (``NextTokenModel``)."""
