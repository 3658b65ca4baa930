"""Exceptions raised by DistillGuard.

Every error the package raises on purpose derives from one root, so callers can catch
``DistillGuardError`` and turn it into a one-line CLI message or an HTTP error body::

    DistillGuardError
    ├── ConfigError          bad settings, policy or command-line values
    ├── InputError           unreadable or malformed input files
    │   └── RecordError      one record that breaks the interchange format
    ├── StoreError           the DuckDB store cannot be opened or written
    ├── UpstreamError        the model server behind the gateway failed
    └── WatermarkError       keys, schemes or detectors used wrongly
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DistillGuardError",
    "InputError",
    "RecordError",
    "StoreError",
    "UpstreamError",
    "WatermarkError",
]


class DistillGuardError(Exception):
    """Root of every error DistillGuard raises on purpose."""


class ConfigError(DistillGuardError):
    """A setting, policy value or command-line argument is invalid."""


class InputError(DistillGuardError):
    """An input file or folder cannot be read."""


class RecordError(InputError):
    """One record does not follow the interchange format.

    ``field`` names the offending field when one is to blame.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StoreError(DistillGuardError):
    """The exchange store cannot be opened, read or written."""


class UpstreamError(DistillGuardError):
    """The upstream model server failed, timed out or answered nonsense."""


class WatermarkError(DistillGuardError):
    """A watermark key, scheme or detector was used wrongly."""
