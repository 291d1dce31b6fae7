"""Exceptions that carry a message for the user and the fix to try.

The command line prints these as an ``error:`` line and a ``fix:`` line and exits
with status 2. Any other exception is a bug or an unexpected library failure: the
command line prints it as one ``error: unexpected ...`` line and exits with
status 1. With ``--debug`` it shows the full traceback of both kinds instead.
"""

from __future__ import annotations


class GalaxyUtilsError(Exception):
    """Base class for errors caused by input, environment or resources.

    Parameters
    ----------
    message : str
        What failed, naming the value involved.
    hint : str, optional
        What the user can do next.
    """

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\nFix: {hint}")


class DataError(GalaxyUtilsError):
    """Invalid images, labels, data sets or splits."""


class DataUnavailableError(DataError):
    """A data file is neither in a local directory nor downloadable."""


class ModelError(GalaxyUtilsError):
    """An unknown model name, a missing checkpoint or an unusable configuration."""


class ResourceError(GalaxyUtilsError):
    """Too little memory, or a missing device."""


class ConfigError(GalaxyUtilsError):
    """An invalid recipe, profile or command-line value."""
