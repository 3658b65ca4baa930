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


class HFKGWLogitsProcessor:
    """KGW green-list bias for ``transformers`` generation (batched ``scores``)."""

    def __init__(self, scheme: KGWScheme, key: AccountKey) -> None:
        self.bias = KGWBias(scheme, key)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        torch = _torch()
        h = self.bias.scheme.context_width
        if input_ids.shape[-1] < h:
            return scores
        v = scores.shape[-1]
        rows = np.stack([self.bias.boost(ctx, v) for ctx in input_ids[:, -h:].tolist()])
        boost = torch.from_numpy(rows).to(device=scores.device, dtype=scores.dtype)
        return scores + boost


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
        context = list(prompt) + list(output)
        if len(context) < self.bias.scheme.context_width:
            return logits
        vec = self.bias.boost(context, int(logits.shape[-1]))
        if isinstance(logits, np.ndarray):
            return logits + vec
        torch = _torch()
        return logits + torch.tensor(vec, device=logits.device, dtype=logits.dtype)
