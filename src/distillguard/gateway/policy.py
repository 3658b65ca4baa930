"""The gateway's policy engine: who is calling, may they, and how is their answer degraded.

This module is the seam between the HTTP hot path (SERVER) and the control plane (POLICY).
The server calls, per request::

    principal = policy.authenticate(api_key)          # None -> 401
    decision = await policy.admit(principal, model=..., est_tokens=...)
    if not decision.allowed: ...                       # 403 block / 429 limit
    ...                                                # forward, degraded per decision
    await policy.settle(principal, used_tokens=...)    # charge the real token count

The full implementation lands in follow-up commits; the signatures here are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from distillguard._types import Verdict
from distillguard.gateway.config import GatewaySettings

__all__ = ["Decision", "Policy", "Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the key used, its account and the account's organisation."""

    key_id: str
    account_id: str
    org_id: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one request; the server renders refusals from it."""

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


class Policy:
    """Authentication, rate limits and verdict enforcement for one gateway process."""

    def __init__(
        self, settings: GatewaySettings, *, state_path: Path, redis_url: str | None = None
    ) -> None:
        self.settings = settings
        self.state_path = Path(state_path)
        self.redis_url = redis_url

    def authenticate(self, api_key: str) -> Principal | None:
        """The caller behind ``api_key``, or ``None`` for an unknown or revoked key."""
        return None

    async def admit(self, principal: Principal, *, model: str | None, est_tokens: int) -> Decision:
        """Decide whether to serve one request and how to degrade it."""
        return Decision(allowed=True, verdict=Verdict.ALLOW)

    async def settle(self, principal: Principal, *, used_tokens: int) -> None:
        """Charge the tokens a served request actually used."""

    def apply_verdict(
        self,
        account_id: str,
        verdict: Verdict,
        *,
        score: float,
        cluster_id: str | None,
        reasons: list[str],
        source: str,
    ) -> None:
        """Record a detector verdict for an account; it applies to the next request."""

    def known_models(self) -> set[str] | None:
        """The models clients may ask for, or ``None`` to allow any."""
        return None if self.settings.models is None else set(self.settings.models)

    async def start(self) -> None:
        """Load the control-plane state and start reloading it in the background."""

    async def close(self) -> None:
        """Stop the background reload and release connections."""
