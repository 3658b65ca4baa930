"""Cross-account linking: accounts that share rare attribute values, grouped into clusters.

Each link *type* (payment fingerprint, client fingerprint + system-prompt SimHash band,
system prompt, dominant template, egress IP + client fingerprint, sign-up burst) has a
cap: a value links the accounts sharing it only while at most ``cap`` accounts share it.
Types that ordinary software and networks make common have a *relative* cap as well: at
most ``share`` of the accounts known so far (never below ``floor``). That is the rarity
weighting: a popular SDK fingerprint soon exceeds its cap and links nobody, while a card
shared by 40 accounts does. Counts are causal (accounts seen so far), so a value can be
rare early and popular later; when a value that was holding accounts together passes its
cap, the union-find is rebuilt from the values still linkable, which splits whatever only
that value had joined. Rebuilds happen only on such events, so the same prefix of the log
always yields the same clusters.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["Linker"]

_PER_ACCOUNT = 8  # values of one type an account may register (bounded memory)


class Linker:
    """Union-find over accounts, fed ``(type, value)`` attributes one at a time."""

    def __init__(
        self, caps: dict[str, int], relative: dict[str, float] | None = None, floor: int = 0
    ) -> None:
        self.caps = {k: int(v) for k, v in caps.items()}
        self.relative = dict(relative or {})  # kind -> largest share of accounts it may link
        self.floor = floor
        self.population = 0  # accounts known so far (for relative caps)
        self.members: dict[tuple[str, object], list[str] | None] = {}
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}
        self.dirty = False
        self._registered: dict[str, dict[str, set[object]]] = {}

    # ---------------------------------------------------------------- union-find
    def find(self, a: str) -> str:
        parent = self.parent
        root = a
        while parent.get(root, root) != root:
            root = parent[root]
        while a != root:
            nxt = parent.get(a, a)
            parent[a] = root
            a = nxt
        return root

    def _union(self, a: str, b: str) -> tuple[str, str] | None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        sa, sb = self.size.get(ra, 1), self.size.get(rb, 1)
        if sa < sb or (sa == sb and rb < ra):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] = sa + sb
        return ra, rb

    # ---------------------------------------------------------------- attributes
    def add(self, account: str, kind: str, value: object) -> tuple[str, str] | None:
        """Register that ``account`` shows ``value`` of link type ``kind``.

        Returns ``(kept_root, absorbed_root)`` when two clusters merged, else None. May set
        :attr:`dirty` when a value that was linking accounts became too common.
        """
        cap = self.caps.get(kind, 0)
        if cap <= 0 or value is None or value == "" or value == 0:
            return None
        share = self.relative.get(kind)
        if share is not None:
            cap = min(cap, max(self.floor, int(share * self.population)))
        seen = self._registered.setdefault(account, {}).setdefault(kind, set())
        if value in seen or len(seen) >= _PER_ACCOUNT:
            return None
        seen.add(value)
        key = (kind, value)
        group = self.members.get(key, [])
        if group is None:
            return None
        group.append(account)
        if len(group) > cap:
            self.members[key] = None
            self.dirty = True
            return None
        self.members[key] = group
        if len(group) >= 2:
            return self._union(group[0], account)
        return None

    def linking(self, account: str, kinds: tuple[str, ...]) -> Iterator[tuple[str, object]]:
        """The ``(kind, value)`` attributes of these kinds that ``account`` registered and
        that still link (shared by no more accounts than their cap allows)."""
        values = self._registered.get(account, {})
        for kind in kinds:
            for value in values.get(kind, ()):
                if self.members.get((kind, value)) is not None:
                    yield kind, value

    def rebuild(self) -> None:
        """Recompute the clusters from the values that are still rare enough."""
        self.parent = {}
        self.size = {}
        for group in self.members.values():
            if group and len(group) >= 2:
                first = group[0]
                for other in group[1:]:
                    self._union(first, other)
        self.dirty = False

    def clusters(self) -> dict[str, list[str]]:
        """root -> member accounts, for clusters of two or more accounts."""
        out: dict[str, list[str]] = {}
        for a in list(self.parent):
            out.setdefault(self.find(a), []).append(a)
        for root, members in out.items():
            if root not in members:
                members.append(root)
        return {r: m for r, m in out.items() if len(m) >= 2}

    def shared(self, members: set[str]) -> Iterator[tuple[str, object, int]]:
        """(type, value, n accounts in ``members``) of linking values inside a cluster."""
        for (kind, value), group in self.members.items():
            if group and len(group) >= 2:
                inside = sum(1 for a in group if a in members)
                if inside >= 2:
                    yield kind, value, inside
