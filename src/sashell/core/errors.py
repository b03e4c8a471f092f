"""User-facing errors: each carries a one-line message and the exit status to use."""

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")


_SECRETS: set[str] = set()
REDACTED = "[redacted]"


def note_secret(value: str) -> None:
    """A value sashell sends (an API key): it is redacted from every message made here."""
    if len(value) >= 8:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def one_line(text: str, limit: int = 300) -> str:
    """Outside text (an error body, an exception) as one printable line: keys sashell sends
    redacted, control characters, C1 codes and bidi overrides made spaces, cut at ``limit``."""
    flat = " ".join(_CONTROL.sub(" ", redact(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class SashellError(Exception):
    """An error caused by input or environment, reported as one line without a traceback.
    The message is made one printable line here, whatever outside text it quotes."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        message = one_line(message, 2000)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ProviderError(SashellError):
    """A model endpoint failed (unreachable, 401, unknown model, 429 after retries...).

    ``retryable`` is False when asking again cannot help (bad key, unknown model, a prompt too
    long), so sweeps do not retry it."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable
