"""Verdict enforcement: which verdict applies to an account, and what it does to requests.

An operator's override beats the detector's verdict until it is cleared; without either an
account is ``allow``. Each verdict maps to one pre-built :class:`Decision` (degradation from
the config file: cap ``max_tokens``, strip reasoning, route to another model, fuller
logging, stronger watermark); ``block`` is a refusal with status 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from distillguard._types import Verdict
from distillguard.gateway.config import GatewaySettings

__all__ = [
    "BLOCKED_MESSAGE",
    "Decision",
    "Principal",
    "decision_table",
    "effective_verdicts",
    "rate_limited",
]

BLOCKED_MESSAGE = (
    "This account has been blocked for activity that violates the usage policy. "
    "Contact support if you believe this is a mistake."
)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the key used, its account and the account's organisation."""

    key_id: str
    account_id: str
    org_id: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one request; the server renders refusals and degradation from it.

    ``status``/``error_type``/``message`` describe a refusal (403 block, 429 limit);
    ``retry_after`` is in seconds. The degradation fields apply to allowed requests of
    suspect accounts; ``log_full`` asks for fuller logging (``watch`` and worse) and
    ``watermark_strength`` > 1 for a stronger watermark when watermarking is on.
    """

    allowed: bool
    verdict: Verdict
    status: int = 200
    error_type: str = ""
    message: str = ""
    retry_after: float | None = None
    max_tokens_cap: int | None = None
    strip_reasoning: bool = False
    route_model: str | None = None
    log_full: bool = False
    watermark_strength: float = 1.0


def decision_table(settings: GatewaySettings) -> dict[Verdict, Decision]:
    """The decision for a request that passes its rate limits, per verdict."""
    table: dict[Verdict, Decision] = {}
    for verdict in Verdict:
        vp = settings.verdict_policy(verdict)
        if verdict is Verdict.BLOCK:
            table[verdict] = Decision(
                allowed=False,
                verdict=verdict,
                status=403,
                error_type="account_blocked",
                message=BLOCKED_MESSAGE,
                log_full=vp.log_full,
            )
            continue
        table[verdict] = Decision(
            allowed=True,
            verdict=verdict,
            max_tokens_cap=vp.max_tokens_cap,
            strip_reasoning=vp.strip_reasoning,
            route_model=vp.route_model,
            log_full=vp.log_full,
            watermark_strength=vp.watermark_strength,
        )
    return table


def rate_limited(verdict: Verdict, retry_after: float, bucket: str) -> Decision:
    """A 429 refusal naming the limit that was hit (scope and unit, never other ids)."""
    scope, _, rest = bucket.partition(":")
    unit = "tokens" if rest.endswith(":t") else "requests"
    scope_name = {
        "k": "API key",
        "a": "account",
        "o": "organisation",
        "c": "account group",
        "v": "account",
    }.get(scope, scope)
    return Decision(
        allowed=False,
        verdict=verdict,
        status=429,
        error_type="rate_limit_exceeded",
        message=(
            f"Rate limit reached: {unit} per minute for this {scope_name}. "
            f"Retry after {max(retry_after, 0.001):.3g} s."
        ),
        retry_after=retry_after,
        log_full=verdict is not Verdict.ALLOW,
    )


def effective_verdicts(
    verdicts: Mapping[str, tuple[Verdict, str | None]], overrides: Mapping[str, Verdict]
) -> dict[str, tuple[Verdict, str | None]]:
    """``account_id -> (verdict in force, cluster id)``; overrides win, allow is implicit.

    ``verdicts`` are the detector's ``(verdict, cluster id)``. Accounts whose verdict is
    ``allow`` and who have no cluster are left out (the default).
    """
    out: dict[str, tuple[Verdict, str | None]] = {}
    for account_id, (verdict, cluster) in verdicts.items():
        if verdict is not Verdict.ALLOW or cluster:
            out[account_id] = (verdict, cluster or None)
    for account_id, verdict in overrides.items():
        detected = verdicts.get(account_id)
        out[account_id] = (verdict, detected[1] if detected else None)
    return out
