"""User-facing errors: each carries a one-line message and the exit status to use."""


class SashellError(Exception):
    """An error caused by input or environment, reported as one line without a traceback."""

    exit_code = 2

    def __init__(self, message: str) -> None:
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
