"""The gateway's OpenAPI description (``openapi.json`` beside this module).

Served at ``GET /openapi.json`` and used by the schemathesis fuzz test; kept as a static
file so operators and API clients read exactly what the tests fuzz.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["openapi_bytes"]


def openapi_bytes() -> bytes:
    """The OpenAPI 3.0 document as JSON bytes."""
    return resources.files("distillguard.gateway").joinpath("openapi.json").read_bytes()
