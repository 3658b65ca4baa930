"""Fixtures of the watermark tests: a keyring and the reference model, built once."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.watermark.keys import Keyring
from distillguard.watermark.refmodel import NGramModel, train_reference


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    """A fixed test keyring (the secret is a test constant, never a production key)."""
    return Keyring({"wm-test": bytes(range(32))})


@pytest.fixture(scope="session")
def teacher() -> NGramModel:
    """The reference model trained on 8,000 procedural sentences."""
    return train_reference(8_000, seed=0)


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
