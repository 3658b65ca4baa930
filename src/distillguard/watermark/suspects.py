"""Suspect models for the radioactivity test, named ``ngram:PATH``, ``openai:URL``, ``hf:PATH``.

A suspect can *complete* prompts (closed mode: we see only its text) and, when its weights
are ours to run, give its *top-k next-token predictions* along a text (open / reading
mode). Text from a suspect is tokenized with the tokenizer of the watermarked model, since
the watermark lives in that model's token ids.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import orjson

from distillguard.errors import ConfigError, UpstreamError, WatermarkError
from distillguard.watermark.refmodel import NGramModel
from distillguard.watermark.tokenizer import Tokenizer

__all__ = ["HFSuspect", "NGramSuspect", "OpenAISuspect", "Suspect", "load_suspect"]


class Suspect(Protocol):
    """What the radioactivity command needs from a suspect model."""

    name: str
    can_read: bool

    def complete(self, prompt: str, max_tokens: int, seed: int) -> str: ...

    def top(self, ids: np.ndarray, k: int) -> np.ndarray: ...


class NGramSuspect:
    """A reference-model file (``.npz`` written by :meth:`NGramModel.save`)."""

    can_read = True

    def __init__(self, model: NGramModel, name: str = "ngram") -> None:
        self.model = model
        self.name = name

    def complete(self, prompt: str, max_tokens: int, seed: int) -> str:
        tok = self.model.tokenizer
        ids = tok.encode(prompt) or tok.encode(".")
        out = self.model.generate(ids, max_tokens, np.random.default_rng(seed))
        return tok.decode(out)

    def top(self, ids: np.ndarray, k: int) -> np.ndarray:
        return self.model.predict_top(ids, k)


class OpenAISuspect:
    """Any OpenAI-compatible chat-completions server (closed mode only).

    Sends ``OPENAI_API_KEY`` from the environment as a bearer token when it is set.
    """

    can_read = False

    def __init__(self, base_url: str, model: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.name = f"openai:{self.base_url}"

    def complete(self, prompt: str, max_tokens: int, seed: int) -> str:
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "temperature": 1.0,
            "seed": seed,
        }
        headers = {"Content-Type": "application/json"}
        api_key = os.environ.get("OPENAI_API_KEY")
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        req = urllib.request.Request(
            f"{self.base_url}/chat/completions", data=orjson.dumps(body), headers=headers
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data = orjson.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise UpstreamError(f"suspect {self.base_url} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise UpstreamError(f"cannot reach suspect {self.base_url}: {reason}") from None
        except orjson.JSONDecodeError:
            raise UpstreamError(f"suspect {self.base_url} did not answer JSON") from None
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise UpstreamError(f"suspect {self.base_url} answered without choices") from None
        return content if isinstance(content, str) else ""

    def top(self, ids: np.ndarray, k: int) -> np.ndarray:
        raise WatermarkError("an openai: suspect supports only closed mode")


class HFSuspect:
    """A local ``transformers`` causal LM (needs the optional ``ml`` extra; no downloads)."""

    can_read = True

    def __init__(self, path: str) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise WatermarkError(
                "hf: suspects need torch and transformers (the 'ml' extra)"
            ) from None
        self._torch = torch
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model: Any = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        except OSError as exc:
            raise WatermarkError(f"cannot load model from {path}: {exc}") from None
        self.model.eval()
        self.name = f"hf:{path}"

    def complete(self, prompt: str, max_tokens: int, seed: int) -> str:
        torch = self._torch
        torch.manual_seed(seed)
        enc = self.tokenizer(prompt, return_tensors="pt")
        with torch.no_grad():
            out = self.model.generate(**enc, max_new_tokens=max_tokens, do_sample=True)
        return str(
            self.tokenizer.decode(out[0, enc["input_ids"].shape[1] :], skip_special_tokens=True)
        )

    def top(self, ids: np.ndarray, k: int) -> np.ndarray:
        torch = self._torch
        with torch.no_grad():
            logits = self.model(torch.as_tensor(ids[None, :], dtype=torch.long)).logits[0]
        return logits.topk(k, dim=-1).indices.cpu().numpy()


def load_suspect(spec: str, model_name: str = "suspect") -> Suspect:
    """Open a suspect from ``ngram:PATH``, ``openai:URL`` or ``hf:PATH``."""
    kind, _, target = spec.partition(":")
    if not target:
        raise ConfigError(f"suspect {spec!r} must look like ngram:PATH, openai:URL or hf:PATH")
    if kind == "ngram":
        return NGramSuspect(NGramModel.load(target), spec)
    if kind == "openai":
        if not target.startswith(("http://", "https://")):
            raise ConfigError(f"openai suspect needs an http(s) URL, got {target!r}")
        return OpenAISuspect(target, model_name)
    if kind == "hf":
        return HFSuspect(target)
    raise ConfigError(f"unknown suspect kind {kind!r} (expected ngram, openai or hf)")


def tokenize_all(tokenizer: Tokenizer, texts: Sequence[str]) -> list[list[int]]:
    """Token ids of every text."""
    return [tokenizer.encode(t) for t in texts]
