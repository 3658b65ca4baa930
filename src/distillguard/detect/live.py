"""The live executor: the batch pass's engine, fed one exchange at a time.

The gateway calls :meth:`LiveDetector.observe` with each exchange (in arrival order) and
:meth:`LiveDetector.observe_account` at sign-up; both run exactly the code the batch pass
runs (:func:`~distillguard.detect.enrich.enrich` then
:meth:`~distillguard.detect.engine.Engine.observe`), so a live deployment and an offline
replay of its log flag the same accounts at the same moments. The state is plain Python
objects: ``pickle.dumps(detector)`` is the checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from distillguard.detect.engine import AccountInfo, Engine, VerdictChange
from distillguard.detect.fast_enrich import Enricher
from distillguard.detect.policy import Policy
from distillguard.exchange import (
    Account,
    Exchange,
    parse_account,
    parse_exchange,
    request_model,
)

__all__ = ["LiveDetector"]


class LiveDetector:
    """Streaming detector: score-then-learn over exchanges fed in time order."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.engine = Engine(policy)
        # per-text caches: templated harvest traffic repeats its texts (not checkpointed)
        self._enricher = Enricher()

    def __getstate__(self) -> dict[str, Any]:
        return {"engine": self.engine}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.engine = state["engine"]
        self._enricher = Enricher()

    def observe_account(self, account: Account | dict[str, Any]) -> None:
        """Register an account (call at its sign-up time, before its exchanges)."""
        acc = account if isinstance(account, Account) else parse_account(account)
        self.engine.observe_account(
            AccountInfo(
                account_id=acc.account_id,
                created_ts=acc.created_at.timestamp() if acc.created_at else None,
                tier=acc.tier,
                verified=acc.verified,
                payment_fingerprint=acc.payment_fingerprint,
                signup_ip=acc.signup_ip,
                email_domain=acc.email_domain,
                org_id=acc.org_id,
            )
        )

    def observe_accounts(self, accounts: Iterable[Account | dict[str, Any]]) -> None:
        """Register known accounts at start-up, in sign-up order (as the batch pass meets
        them: by ``created_at``, then id, accounts without one last), so sign-up bursts are
        counted among neighbours in time whatever order the accounts were stored in."""
        parsed = [a if isinstance(a, Account) else parse_account(a) for a in accounts]
        never = datetime.max.replace(tzinfo=UTC)
        parsed.sort(key=lambda a: (a.created_at or never, a.account_id))
        for acc in parsed:
            self.observe_account(acc)

    def observe(self, exchange: Exchange | dict[str, Any]) -> list[VerdictChange]:
        """Fold one exchange in; return the accounts whose verdict changed because of it."""
        ex = exchange if isinstance(exchange, Exchange) else parse_exchange(exchange)
        e = self._enricher.enrich(ex.endpoint, ex.request, ex.response)
        return self.engine.observe(
            ex.ts.timestamp(),
            ex.account_id,
            e,
            ip=ex.ip,
            client_fingerprint=ex.client_fingerprint,
            model=request_model(ex.request),
            user_agent=ex.user_agent,
        )

    def verdict(self, account_id: str) -> tuple[str, float, bool]:
        """(verdict, score, warmed_up) of an account now; unknown accounts are not warm."""
        acct = self.engine.accounts.get(account_id)
        if acct is None:
            return "allow", 0.0, False
        return acct.verdict.value, acct.score, acct.own is not None
