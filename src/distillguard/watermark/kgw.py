"""KGW green-list watermark (Kirchenbauer et al. 2023): scheme, NumPy bias and detector.

For each (context, candidate token) the keyed hash decides whether the token is *green*
(probability ``gamma``); generation adds ``delta`` to green logits; detection counts green
units and takes the exact binomial tail ``P(Binomial(n, gamma) >= greens)``.

By default the context hash selects one of ``n_lists`` = 256 keyed green lists per key
(``hash mod n_lists``; the unit is (list, token)). A key's lists form a bank of
``n_lists x V`` bits that :class:`GreenBank` builds a block of lists at a time and the
scheme keeps per key, so generation never hashes the vocabulary for a new context: it
picks a precomputed row. The bank rows are the detector's keyed hash of the same unit
hashes, evaluated by the same scheme object. ``n_lists=None`` keys every context
separately (the original KGW; a new context then costs a keyed hash of the vocabulary).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from distillguard.errors import WatermarkError
from distillguard.watermark._prf import combine
from distillguard.watermark._stats import binom_logsf
from distillguard.watermark.keys import AccountKey
from distillguard.watermark.scheme import TokenScheme, Units

__all__ = ["DEFAULT_LISTS", "GreenBank", "KGWBias", "KGWScheme"]

#: Default number of keyed green lists per key (see ``docs/decisions.md``, Watermark-4).
DEFAULT_LISTS = 256

#: Lists built together when a bank first needs one of them (amortises NumPy call overhead).
_BLOCK = 16

#: Bytes of float boost rows a bank keeps per key (one row is 8 x vocabulary size).
_BOOST_BYTES = 16 << 20

#: Contexts whose boost row a bank remembers (they share the list rows: a few MB at most).
_MAX_CONTEXTS = 1 << 16

#: Largest key-independent (list, token) unit matrix a scheme keeps for bank building.
_UNIT_BYTES = 16 << 20


class KGWScheme(TokenScheme):
    """Green-list scheme: ``gamma`` green fraction, ``delta`` logit boost.

    ``n_lists`` keyed green lists per key (``None``: one per context). The scheme keeps
    the banks of recently used keys, up to :attr:`bank_bytes` (least recently used out).
    """

    name = "kgw"
    #: Bytes of key banks one scheme object keeps (one byte per list entry).
    bank_bytes = 256 << 20

    def __init__(
        self,
        gamma: float = 0.25,
        delta: float = 2.0,
        context_width: int = 1,
        self_hash: bool = False,
        n_lists: int | None = DEFAULT_LISTS,
    ) -> None:
        super().__init__(context_width, self_hash, n_lists)
        if not 0.0 < gamma < 1.0:
            raise WatermarkError("gamma must be in (0, 1)")
        if not delta >= 0.0:
            raise WatermarkError("delta must be >= 0")
        self.gamma = float(gamma)
        self.delta = float(delta)
        self._threshold = np.uint64(min(int(self.gamma * 2.0**64), 2**64 - 1))
        self._banks: OrderedDict[tuple[int, int], GreenBank] = OrderedDict()
        self._banks_lock = threading.Lock()
        self._token_lists: list[int] = []
        self._unit_matrix = np.empty((0, 0), dtype=np.uint64)

    def __repr__(self) -> str:
        return (
            f"KGWScheme(gamma={self.gamma}, delta={self.delta}, "
            f"context_width={self.context_width}, self_hash={self.self_hash}, "
            f"n_lists={self.n_lists})"
        )

    def green(self, seeds: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """Green flags of every (key, unit): the one keyed decision of both sides."""
        return self.keyed(seeds, hashes) < self._threshold

    def bank(self, key: AccountKey, vocab_size: int) -> GreenBank:
        """The green-list bank of ``key`` over ``vocab_size`` tokens (kept per key)."""
        if self.n_lists is None:
            raise WatermarkError("this KGW scheme keys every context separately (no bank)")
        if key.scheme != self.name:
            raise WatermarkError(f"key for scheme {key.scheme!r} used with {self.name!r}")
        ident = (key.seed, int(vocab_size))
        with self._banks_lock:
            bank = self._banks.get(ident)
            if bank is not None:
                self._banks.move_to_end(ident)
                return bank
            bank = GreenBank(self, key.seed, int(vocab_size))
            self._banks[ident] = bank
            total = sum(b.nbytes for b in self._banks.values())
            while total > self.bank_bytes and len(self._banks) > 1:
                _, old = self._banks.popitem(last=False)
                total -= old.nbytes
            return bank

    def token_lists(self, vocab_size: int) -> list[int]:
        """List index selected by each one-token context ``0..vocab_size-1`` (cached)."""
        if self.n_lists is None or self.self_hash or self.context_width != 1:
            raise WatermarkError("token_lists needs a list bank, context width 1, no self-hash")
        cached = self._token_lists
        if len(cached) != vocab_size:
            ctx = combine(np.zeros(1, dtype=np.uint64), self._candidates(vocab_size))
            cached = (ctx % np.uint64(self.n_lists)).astype(np.int64).tolist()
            self._token_lists = cached
        return cached

    def list_units(self, lo: int, hi: int, vocab_size: int) -> np.ndarray:
        """Unit hashes (list ``i``, token ``t``) for lists ``lo..hi-1``: shape (hi-lo, V).

        Key-independent; kept for the last vocabulary when it is small (``_UNIT_BYTES``),
        which halves the cost of building a new key's bank.
        """
        labels = self._labels
        if labels is None:
            raise WatermarkError("the scheme has no list bank (n_lists=None)")
        cand = self._candidates(vocab_size)
        if labels.size * vocab_size * 8 > _UNIT_BYTES:
            return combine(labels[lo:hi, None], cand[None, :])
        cached = self._unit_matrix
        if cached.shape != (labels.size, vocab_size):
            cached = combine(labels[:, None], cand[None, :])
            self._unit_matrix = cached
        return cached[lo:hi]

    def green_mask(self, key: AccountKey, context: Sequence[int], vocab_size: int) -> np.ndarray:
        """Boolean green list over the vocabulary after ``context`` (a new array)."""
        if self.n_lists is None:
            hashes = self.candidate_hashes(context, vocab_size)
            return self.green(np.array([key.seed], dtype=np.uint64), hashes)[0]
        bank = self.bank(key, vocab_size)
        ctx = self.context_hash(context)
        if not self.self_hash:
            return bank.row(self.slot(ctx)).copy()
        # self-hash: candidates hashing below the window's minimum anchor on themselves
        below = self._candidates(vocab_size) < np.uint64(ctx)
        return np.where(below, bank.self_row(), bank.row(self.slot(ctx)))

    def is_green(self, key: AccountKey, ids: Sequence[int]) -> np.ndarray:
        """Green flag of every position of ``ids`` with a full context (no de-duplication)."""
        hashes = self.unit_hashes(ids)
        return self.green(np.array([key.seed], dtype=np.uint64), hashes)[0]

    def bias(self, logits: np.ndarray, context: Sequence[int], key: AccountKey) -> np.ndarray:
        """A copy of one logits row with ``delta`` added to the green tokens (any engine)."""
        row = np.asarray(logits, dtype=np.float64)
        if row.ndim != 1:
            raise WatermarkError("bias expects one logits row (1-D)")
        return row + self.delta * self.green_mask(key, context, row.size)

    def key_scores(self, seeds: np.ndarray, units: Units) -> np.ndarray:
        return self.green(seeds, units.hashes).sum(axis=1).astype(np.float64)

    def null_logsf(self, scores: np.ndarray, n: int) -> np.ndarray:
        return binom_logsf(np.rint(scores).astype(np.int64), n, self.gamma)

    def expected_score(self, n: int) -> float:
        return self.gamma * n


class GreenBank:
    """All ``n_lists`` green lists of one key over one vocabulary, and its boost rows.

    Row ``i`` is :meth:`KGWScheme.green` of the unit hashes (list ``i``, token ``t``) for
    every token ``t``: exactly what the detector computes for those units. Rows are built
    ``_BLOCK`` lists at a time (one NumPy pass), so a key costs at most
    ``n_lists x V`` keyed hashes over its lifetime, however many contexts it meets.

    The bank also keeps, for every :class:`KGWBias` of its key, the additive boost rows
    (``delta`` on green tokens, read-only) per list and per context met, so a new request
    of a known account starts warm. Both caches are bounded (emptied when full).
    """

    def __init__(self, scheme: KGWScheme, seed: int, vocab_size: int) -> None:
        n = scheme.n_lists
        if n is None:
            raise WatermarkError("the scheme has no list bank (n_lists=None)")
        self.scheme = scheme
        self.vocab_size = vocab_size
        self._seed = np.array([seed], dtype=np.uint64)
        self._rows = np.zeros((n, vocab_size), dtype=bool)
        self._built = [False] * -(-n // _BLOCK)
        self._self_row: np.ndarray | None = None
        self._h = scheme.context_width
        self._shared = not scheme.self_hash
        self._token_lists = scheme.token_lists(vocab_size) if self._shared and self._h == 1 else []
        per_row = 8 * vocab_size
        # boost rows of every list, built with the flags, when they fit _BOOST_BYTES;
        # otherwise made per list on demand and kept up to that budget
        dense = self._shared and n * per_row <= _BOOST_BYTES
        self._boost = np.zeros((n, vocab_size) if dense else (0, 0), dtype=np.float64)
        self._lists: dict[int, np.ndarray] = {}
        self._max_lists = max(16, _BOOST_BYTES // per_row)
        self.nbytes = n * vocab_size + min(n * per_row, _BOOST_BYTES)
        self._filled = False
        #: Context (last token, or tuple of the last ``context_width``) -> boost row.
        self.contexts: dict[object, np.ndarray] = {}
        self._max_contexts = _MAX_CONTEXTS if self._shared else max(16, _BOOST_BYTES // per_row)

    def row(self, index: int) -> np.ndarray:
        """Green flags of list ``index`` (a view into the bank; copy before changing it)."""
        block = index // _BLOCK
        if not self._built[block]:
            self._build(block)
        return self._rows[index]

    def _build(self, block: int) -> None:
        scheme = self.scheme
        lo = block * _BLOCK
        hi = min(lo + _BLOCK, self._rows.shape[0])
        units = scheme.list_units(lo, hi, self.vocab_size)
        flags = scheme.green(self._seed, units.ravel())[0].reshape(hi - lo, self.vocab_size)
        self._rows[lo:hi] = flags
        if self._boost.size:
            np.multiply(flags, scheme.delta, out=self._boost[lo:hi])
        self._built[block] = True

    def self_row(self) -> np.ndarray:
        """Self-hash: the flag of each token ``t`` anchored on itself, unit (list of t, t)."""
        if self._self_row is None:
            cand = self.scheme._candidates(self.vocab_size)
            units = combine(self.scheme._label(cand), cand)
            self._self_row = self.scheme.green(self._seed, units)[0]
        return self._self_row

    def _fill_tokens(self) -> None:
        """One-token contexts, small vocabulary: build every list and map every token.

        Done once per key on its first boost, so no request of that key ever meets a
        context it has to look up twice (the same total work as building lazily).
        """
        n = self._rows.shape[0]
        for block in range(len(self._built)):
            if not self._built[block]:
                self._build(block)
        views = []
        for index in range(n):
            vec = self._boost[index]
            vec.flags.writeable = False
            views.append(vec)
            self._lists[index] = vec
        self.contexts.update({t: views[i] for t, i in enumerate(self._token_lists)})
        self._filled = True

    def boost(self, context: Sequence[int], key: AccountKey) -> np.ndarray:
        """The read-only ``delta * green`` row after ``context`` (a full window)."""
        h = self._h
        ctx: object = context[-1] if h == 1 else tuple(context[-h:])
        vec = self.contexts.get(ctx)
        if vec is not None:
            return vec
        if self._token_lists and self._boost.size and not self._filled:
            self._fill_tokens()
            vec = self.contexts.get(ctx)
            if vec is not None:
                return vec
        scheme = self.scheme
        if self._shared:
            t = context[-1]
            if h == 1 and 0 <= t < len(self._token_lists):
                index = self._token_lists[t]
            else:
                index = scheme.slot(scheme.context_hash(context))
            vec = self._lists.get(index)
            if vec is None:
                if len(self._lists) >= self._max_lists:
                    self._lists.clear()
                flags = self.row(index)
                vec = self._boost[index] if self._boost.size else flags * scheme.delta
                vec.flags.writeable = False
                self._lists[index] = vec
        else:
            vec = scheme.green_mask(key, context, self.vocab_size) * scheme.delta
            vec.flags.writeable = False
        if len(self.contexts) >= self._max_contexts:
            self.contexts.clear()
        self.contexts[ctx] = vec
        return vec


class KGWBias:
    """Generation side of KGW for one key: ``bias(context, logits) -> logits``.

    Holds the scheme and the key. With a list bank the boost rows live in the key's
    :class:`GreenBank` (shared by every processor of that key, so a new one starts warm);
    with ``n_lists=None`` it caches one row per context itself, bounded by ``cache_size``
    contexts and ``cache_bytes`` (emptied when full). The per-token cost is one dictionary
    lookup and one vector addition. One instance serves one vocabulary at a time (a logits
    row of another length resets it).
    """

    def __init__(
        self,
        scheme: KGWScheme,
        key: AccountKey,
        cache_size: int = 4096,
        cache_bytes: int = 64 << 20,
    ) -> None:
        if key.scheme != scheme.name:
            raise WatermarkError(f"key for scheme {key.scheme!r} used with {scheme.name!r}")
        self.scheme = scheme
        self.key = key
        self._h = scheme.context_width
        self._cache: dict[object, np.ndarray] = {}
        self._cache_size = cache_size
        self._cache_bytes = cache_bytes
        self._max_rows = 1
        self._v = -1
        self._bank: GreenBank | None = None

    def _reset(self, vocab_size: int) -> None:
        if vocab_size < 2:
            raise WatermarkError("a logits row needs at least 2 entries")
        self._v = vocab_size
        if self.scheme.n_lists is not None:
            self._bank = self.scheme.bank(self.key, vocab_size)
            self._cache = self._bank.contexts
        else:
            self._cache = {}
            self._max_rows = max(16, self._cache_bytes // (8 * vocab_size))

    def boost(self, context: Sequence[int], vocab_size: int) -> np.ndarray:
        """The additive ``delta * green`` row after ``context`` (read-only, cached)."""
        h = self._h
        if len(context) < h:
            raise WatermarkError(f"context needs at least {h} tokens")
        if vocab_size != self._v:
            self._reset(vocab_size)
        if self._bank is not None:
            return self._bank.boost(context, self.key)
        ctx: object = context[-1] if h == 1 else tuple(context[-h:])
        vec = self._cache.get(ctx)
        if vec is None:
            scheme = self.scheme
            vec = scheme.green_mask(self.key, context, vocab_size) * scheme.delta
            vec.flags.writeable = False
            if len(self._cache) >= min(self._cache_size, self._max_rows):
                self._cache.clear()
            self._cache[ctx] = vec
        return vec

    def __call__(self, context: Sequence[int], logits: np.ndarray) -> np.ndarray:
        # The hot path: one lookup and one addition; everything else is on a miss.
        try:
            h = self._h
            return logits + self._cache[context[-1] if h == 1 else tuple(context[-h:])]
        except KeyError:
            pass
        except IndexError:  # empty context
            return logits
        except ValueError:  # a logits row of another length than the cached rows
            if np.shape(logits)[-1] == self._v:
                raise
        if len(context) < self._h:
            return logits
        return logits + self.boost(context, np.shape(logits)[-1])
