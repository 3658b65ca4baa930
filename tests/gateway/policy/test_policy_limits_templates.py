"""The hot path's template-driven limiter calls agree with the spec-driven ones."""

from __future__ import annotations

import random

from distillguard.gateway.limits import MemoryLimiter


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _pair() -> tuple[MemoryLimiter, MemoryLimiter, _Clock]:
    clock = _Clock()
    return MemoryLimiter(clock), MemoryLimiter(clock), clock


def test_check_templates_and_charge_tokens_match_check_and_charge() -> None:
    rng = random.Random(7)
    by_specs, by_templates, clock = _pair()
    templates = [
        ("k:1:r", 5.0, False),
        ("k:1:t", 400.0, True),
        ("a:1:r", 8.0, False),
        ("a:1:t", 900.0, True),
        ("o:1:r", 3.0, False),
    ]
    outcomes = []
    for _ in range(400):
        clock.now += rng.choice((0.0, 0.0, 0.5, 3.0, 20.0))
        est = float(rng.randrange(0, 600))
        specs = [(n, cap, est if tok else 1.0) for n, cap, tok in templates]
        a = by_specs.check(specs)
        b = by_templates.check_templates(templates, est)
        assert a == b
        outcomes.append(a is None)
        if a is None:
            delta = float(rng.randrange(-300, 300))
            by_specs.charge([(n, cap, delta) for n, cap, tok in templates if tok])
            by_templates.charge_tokens(templates, delta)
        for name, _, _ in templates:
            assert by_specs.level(name) == by_templates.level(name)
    # the sequence exercised both outcomes
    assert any(outcomes) and not all(outcomes)


def test_charge_tokens_creates_and_caps_like_charge() -> None:
    by_specs, by_templates, clock = _pair()
    templates = [("k:2:r", 10.0, False), ("k:2:t", 100.0, True)]
    by_specs.charge([("k:2:t", 100.0, -50.0)])
    by_templates.charge_tokens(templates, -50.0)
    assert by_specs.level("k:2:t") == by_templates.level("k:2:t") == 100.0
    assert by_templates.level("k:2:r") is None  # request buckets are never charged here
    clock.now += 1.0
    by_specs.charge([("k:2:t", 100.0, 250.0)])
    by_templates.charge_tokens(templates, 250.0)
    assert by_specs.level("k:2:t") == by_templates.level("k:2:t") == -150.0
