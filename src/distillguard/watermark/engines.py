"""Adapters that plug a scheme into inference engines: Hugging Face and vLLM.

torch and transformers are optional (the ``ml`` extra) and imported only when a processor
is first called, so this module imports anywhere. Every adapter holds the same scheme
object and key as the detector; they only translate tensors.

* :class:`HFKGWLogitsProcessor` - ``transformers`` logits processor
  (``model.generate(..., logits_processor=LogitsProcessorList([proc]))``); it follows the
  ``LogitsProcessor`` call signature ``(input_ids, scores) -> scores``.
* :class:`HFGumbelLogitsProcessor` - Gumbel-max as a logits processor: it leaves only the
  keyed Gumbel choice finite, so greedy decoding emits exactly the watermarked sample.
* :class:`VLLMKGWLogitsProcessor` - vLLM's per-request logits-processor callable,
  ``(output_token_ids, logits)`` or ``(prompt_token_ids, output_token_ids, logits)``;
  the V1 engine takes it from ``AdapterLogitsProcessor.new_req_logits_processor``, older
  engines from ``SamplingParams(logits_processors=[proc])`` (see ``docs/watermark.md``).
  Not run here: vLLM is not installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from distillguard.errors import WatermarkError
from distillguard.watermark.gumbel import GumbelSampler, GumbelScheme
from distillguard.watermark.keys import AccountKey
from distillguard.watermark.kgw import KGWBias, KGWScheme

__all__ = ["HFGumbelLogitsProcessor", "HFKGWLogitsProcessor", "VLLMKGWLogitsProcessor"]


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise WatermarkError("this adapter needs torch (pip install 'distillguard[ml]')") from None
    return torch


class _TensorRows:
    """Boost rows as tensors of one device and dtype, converted once per row.

    The NumPy rows come from the key's bank (stable objects while cached there); each is
    copied to the engine's device and dtype on first use and reused after, so a step costs
    one lookup and one addition, not a host-to-device copy. Bounded (emptied when full).
    """

    def __init__(self, max_rows: int = 4096) -> None:
        self._rows: dict[int, tuple[np.ndarray, Any]] = {}
        self._where: tuple[Any, Any] | None = None
        self._max = max_rows

    def get(self, vec: np.ndarray, like: Any) -> Any:
        where = (like.device, like.dtype)
        if where != self._where:
            self._rows.clear()
            self._where = where
        hit = self._rows.get(id(vec))
        if hit is not None and hit[0] is vec:  # holding `vec` keeps its id from being reused
            return hit[1]
        if len(self._rows) >= self._max:
            self._rows.clear()
        row = _torch().tensor(vec, device=like.device, dtype=like.dtype)
        self._rows[id(vec)] = (vec, row)
        return row


class HFKGWLogitsProcessor:
    """KGW green-list bias for ``transformers`` generation (batched ``scores``)."""

    def __init__(self, scheme: KGWScheme, key: AccountKey) -> None:
        self.bias = KGWBias(scheme, key)
        self._rows = _TensorRows()

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        h = self.bias.scheme.context_width
        if input_ids.shape[-1] < h:
            return scores
        v = scores.shape[-1]
        rows = [
            self._rows.get(self.bias.boost(ctx, v), scores) for ctx in input_ids[:, -h:].tolist()
        ]
        if len(rows) == 1:
            return scores + rows[0]
        return scores + _torch().stack(rows)


class HFGumbelLogitsProcessor:
    """Gumbel-max sampling expressed as a logits processor (use with greedy decoding)."""

    def __init__(self, scheme: GumbelScheme, key: AccountKey, seed: int = 0) -> None:
        self.sampler = GumbelSampler(scheme, key, seed)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        torch = _torch()
        probs = torch.softmax(scores.float(), dim=-1).cpu().numpy().astype(np.float64)
        out = torch.full_like(scores, float("-inf"))
        for b, context in enumerate(input_ids.tolist()):
            choice = self.sampler.sample(context, probs[b])
            out[b, choice] = 0.0
        return out


class VLLMKGWLogitsProcessor:
    """KGW bias in vLLM's per-request logits-processor form (one 1-D logits row)."""

    def __init__(self, scheme: KGWScheme, key: AccountKey) -> None:
        self.bias = KGWBias(scheme, key)
        self._rows = _TensorRows()

    def __call__(self, *args: Any) -> Any:
        if len(args) == 2:
            prompt: Sequence[int] = ()
            output, logits = args
        elif len(args) == 3:
            prompt, output, logits = args
        else:
            raise WatermarkError(
                "expected (output_ids, logits) or (prompt_ids, output_ids, logits)"
            )
        # only the last `context_width` tokens matter: never copy a long prompt per step
        h = self.bias.scheme.context_width
        tail = [*prompt[-h:], *output[-h:]][-h:]
        if len(tail) < h:
            return logits
        vec = self.bias.boost(tail, int(logits.shape[-1]))
        if isinstance(logits, np.ndarray):
            return logits + vec
        return logits + self._rows.get(vec, logits)
