"""Apply the text-level watermark to whole API response bodies, as the gateway relays them.

:func:`watermark_response` knows which fields of each endpoint's response carry assistant
prose (spec ``endpoint`` values) and leaves everything else alone:

* ``chat.completions``: ``choices[].message.content`` (string or text parts) and
  ``reasoning_content``; never ``tool_calls``;
* ``completions``: ``choices[].text``;
* ``messages`` (Anthropic): ``content[]`` blocks of type ``text``; never ``thinking``
  blocks, whose signatures the client sends back;
* ``responses`` (OpenAI Responses): ``output[].content[]`` parts of type ``output_text``.

Nothing is changed when the request asked for JSON output (``response_format`` or
``text.format`` of type ``json_object``/``json_schema``), and a choice that carries
``logprobs`` is left as is, since its tokens would no longer match the text. The input is
never mutated: changed objects are copied along the path to the changed text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from distillguard._types import JSONObject
from distillguard.watermark.textmark import TextWatermarker

__all__ = ["BodyWatermark", "watermark_response"]

_JSON_FORMATS = frozenset({"json_object", "json_schema"})


@dataclass(frozen=True, slots=True)
class BodyWatermark:
    """The watermarked body and totals over every text field changed."""

    body: JSONObject | None
    n_changed: int
    n_words: int
    key_id: str
    skipped: str | None = None  # why nothing was done, if so


def _wants_json(request: JSONObject | None) -> bool:
    if not isinstance(request, dict):
        return False
    for fmt in (request.get("response_format"), (request.get("text") or {}).get("format")):
        if isinstance(fmt, dict) and fmt.get("type") in _JSON_FORMATS:
            return True
    return False


class _Counter:
    def __init__(self, marker: TextWatermarker, account_id: str, strength: float) -> None:
        self.marker, self.account_id, self.strength = marker, account_id, strength
        self.changed = self.words = 0
        self.key_id = ""

    def text(self, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        out = self.marker.apply(value, self.account_id, self.strength)
        self.changed += out.n_changed
        self.words += out.n_words
        self.key_id = out.key_id
        return out.text

    def parts(self, parts: Any, kinds: tuple[str, ...], field: str = "text") -> Any:
        if isinstance(parts, str):
            return self.text(parts)
        if not isinstance(parts, list):
            return parts
        out = []
        for part in parts:
            if isinstance(part, dict) and part.get("type") in kinds and field in part:
                part = {**part, field: self.text(part[field])}
            out.append(part)
        return out


def watermark_response(
    marker: TextWatermarker,
    endpoint: str,
    request: JSONObject | None,
    response: JSONObject | None,
    account_id: str,
    strength: float = 1.0,
) -> BodyWatermark:
    """A copy of ``response`` with its assistant prose watermarked for ``account_id``."""
    key_id = marker.keyring.account_key(account_id, marker.scheme.name).key_id
    if not isinstance(response, dict):
        return BodyWatermark(response, 0, 0, key_id, "no response body")
    if _wants_json(request):
        return BodyWatermark(response, 0, 0, key_id, "JSON output requested")
    c = _Counter(marker, account_id, strength)
    body = dict(response)
    if endpoint in ("chat.completions", "completions"):
        choices = []
        for choice in response.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("logprobs"):
                choices.append(choice)
                continue
            choice = dict(choice)
            if endpoint == "completions":
                choice["text"] = c.text(choice.get("text"))
            elif isinstance(choice.get("message"), dict):
                msg = dict(choice["message"])
                msg["content"] = c.parts(msg.get("content"), ("text",))
                if isinstance(msg.get("reasoning_content"), str):
                    msg["reasoning_content"] = c.text(msg["reasoning_content"])
                choice["message"] = msg
            choices.append(choice)
        if "choices" in response:
            body["choices"] = choices
    elif endpoint == "messages":
        if "content" in response:
            body["content"] = c.parts(response.get("content"), ("text",))
    elif endpoint == "responses":
        output = []
        for item in response.get("output") or []:
            if isinstance(item, dict) and isinstance(item.get("content"), list):
                item = {**item, "content": c.parts(item["content"], ("output_text",))}
            output.append(item)
        if "output" in response:
            body["output"] = output
    else:
        return BodyWatermark(response, 0, 0, key_id, f"unknown endpoint {endpoint!r}")
    return BodyWatermark(body, c.changed, c.words, key_id)
