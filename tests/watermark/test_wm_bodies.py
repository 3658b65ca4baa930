"""Watermarking whole response bodies per endpoint: what is touched and what is not."""

from __future__ import annotations

import copy

from distillguard.watermark.bodies import watermark_response
from distillguard.watermark.textmark import TextWatermarker

PROSE = "I am sure you are right: do not worry, for example the color is gray. You will see."


def _changed_for_some_account(tw, endpoint, request, response):
    for i in range(20):
        out = watermark_response(tw, endpoint, request, response, f"acct-{i}")
        if out.n_changed:
            return out
    raise AssertionError("no account changed anything")


def test_chat_completion_content_and_reasoning_but_not_tools_or_logprobs(keyring) -> None:
    tw = TextWatermarker(keyring)
    tool_args = '{"query": "do not change the color"}'
    response = {
        "id": "x",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": PROSE,
                    "reasoning_content": PROSE,
                    "tool_calls": [{"function": {"name": "f", "arguments": tool_args}}],
                },
            },
            {"index": 1, "message": {"content": PROSE}, "logprobs": {"content": []}},
        ],
        "usage": {"total_tokens": 5},
    }
    before = copy.deepcopy(response)
    out = _changed_for_some_account(tw, "chat.completions", {"messages": []}, response)
    assert response == before  # input untouched
    first, second = out.body["choices"]
    assert first["message"]["content"] != PROSE
    assert first["message"]["tool_calls"][0]["function"]["arguments"] == tool_args
    assert second["message"]["content"] == PROSE  # logprobs present: left as is
    assert out.body["usage"] == response["usage"]
    assert out.n_words > 0 and out.key_id == "wm-test"


def test_json_mode_is_never_touched(keyring) -> None:
    tw = TextWatermarker(keyring)
    response = {"choices": [{"message": {"content": PROSE}}]}
    for fmt in (
        {"response_format": {"type": "json_object"}},
        {"text": {"format": {"type": "json_schema"}}},
    ):
        out = watermark_response(tw, "chat.completions", fmt, response, "acct-1", 2.0)
        assert out.body is response and out.n_changed == 0 and out.skipped


def test_anthropic_text_blocks_but_not_thinking(keyring) -> None:
    tw = TextWatermarker(keyring)
    response = {
        "content": [
            {"type": "thinking", "thinking": PROSE, "signature": "sig"},
            {"type": "text", "text": PROSE},
            {"type": "tool_use", "input": {"q": PROSE}},
        ]
    }
    out = _changed_for_some_account(tw, "messages", {}, response)
    thinking, text, tool = out.body["content"]
    assert thinking["thinking"] == PROSE and text["text"] != PROSE and tool["input"]["q"] == PROSE


def test_completions_and_responses_endpoints(keyring) -> None:
    tw = TextWatermarker(keyring)
    out = _changed_for_some_account(tw, "completions", {}, {"choices": [{"text": PROSE}]})
    assert out.body["choices"][0]["text"] != PROSE
    response = {
        "output": [{"type": "message", "content": [{"type": "output_text", "text": PROSE}]}]
    }
    out = _changed_for_some_account(tw, "responses", {}, response)
    assert out.body["output"][0]["content"][0]["text"] != PROSE
    none = watermark_response(tw, "chat.completions", {}, None, "a")
    assert none.body is None and none.skipped
