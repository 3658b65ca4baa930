"""DistillGuard: detect, stop and prove distillation attacks on language-model APIs."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
