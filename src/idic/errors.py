"""The one exception tree of idic.

Every error idic raises derives from :class:`IdicError`; errors about user input also
derive from :class:`ValueError` so callers can catch builtins (the Ibis convention).
The CLI and the API translate these to exit codes / HTTP statuses at the edge.
"""

from __future__ import annotations


class IdicError(Exception):
    """Base of every idic error."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class InputError(IdicError, ValueError):
    """Input that cannot be used: unreadable file, missing required column, bad option."""


class SchemaError(InputError):
    """A file or frame does not fit the canonical schema of its table kind."""


class WorkspaceError(IdicError):
    """The workspace is missing, locked or inconsistent."""


class NotFittedError(IdicError, ValueError, AttributeError):
    """A model was used before ``fit`` was called (scikit-learn convention)."""


class ConvergenceError(IdicError):
    """A maximum-likelihood fit did not converge."""


class NotFoundError(IdicError, LookupError):
    """A requested object (customer, table, audience, ...) does not exist."""


class PermissionDeniedError(IdicError, PermissionError):
    """The caller's role may not perform this action."""
