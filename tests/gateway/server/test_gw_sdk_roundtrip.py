"""The official openai and anthropic SDKs against the gateway, and what gets logged."""

from __future__ import annotations

from typing import Any

import anthropic
import openai

from distillguard.exchange import parse_exchange, response_text

RunningGateway = Any
MSG = [{"role": "user", "content": "Explain binary search in two sentences."}]


def _oa(gw: RunningGateway, account: str = "acct-1") -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.keys[account], max_retries=0)


def _an(gw: RunningGateway, account: str = "acct-1") -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gw.url, api_key=gw.keys[account], max_retries=0)


def _records(gw: RunningGateway, marker: str) -> list[dict]:
    return [r for r in gw.flush_log() if marker in str(r["request"])]


def test_chat_completion_sync_is_logged_without_the_key(gateway: RunningGateway) -> None:
    marker = "marker-sync-1"
    out = _oa(gateway).chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": marker}], max_tokens=30
    )
    assert out.choices[0].message.content
    assert out.usage is not None and out.usage.completion_tokens > 0
    (rec,) = _records(gateway, marker)
    ex = parse_exchange(rec)
    assert ex.account_id == "acct-1" and ex.status == 200
    assert ex.key_id and ex.key_id.startswith("key_")
    assert ex.request["messages"][0]["content"] == marker
    assert response_text("chat.completions", ex.response) == out.choices[0].message.content
    assert ex.ip == "127.0.0.1" and ex.user_agent and "OpenAI" in ex.user_agent
    assert gateway.keys["acct-1"] not in str(rec)


def test_chat_completion_stream_logs_the_assembled_message(gateway: RunningGateway) -> None:
    marker = "marker-stream-1"
    stream = _oa(gateway).chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": marker}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert len(text.split()) > 3
    (rec,) = _records(gateway, marker)
    ex = parse_exchange(rec)
    assert ex.status == 200 and ex.request["stream"] is True
    assert ex.response["object"] == "chat.completion"
    assert response_text("chat.completions", ex.response) == text
    assert ex.response["choices"][0]["finish_reason"] in ("stop", "length")
    assert ex.meta and ex.meta["ttft_ms"] >= 0


def test_stream_with_usage_and_reasoning(gateway: RunningGateway) -> None:
    marker = "marker-stream-usage"
    stream = _oa(gateway).chat.completions.create(
        model="mock-reasoner",
        messages=[{"role": "user", "content": marker}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    (rec,) = _records(gateway, marker)
    msg = rec["response"]["choices"][0]["message"]
    assert msg["reasoning_content"].startswith("Let me think.")
    assert rec["response"]["usage"]["completion_tokens"] == chunks[-1].usage.completion_tokens


def test_legacy_completions_sync_and_stream(gateway: RunningGateway) -> None:
    client = _oa(gateway)
    out = client.completions.create(model="mock-gpt", prompt="marker-comp-1", max_tokens=5)
    assert out.choices[0].finish_reason == "length" and len(out.choices[0].text.split()) == 5
    stream = client.completions.create(model="mock-gpt", prompt="marker-comp-2", stream=True)
    text = "".join(c.choices[0].text for c in stream if c.choices)
    (rec,) = _records(gateway, "marker-comp-2")
    assert rec["endpoint"] == "completions"
    assert response_text("completions", parse_exchange(rec).response) == text


def test_anthropic_sdk_against_openai_upstream_is_translated(gateway: RunningGateway) -> None:
    client = _an(gateway)
    msg = client.messages.create(
        model="mock-gpt",
        max_tokens=12,
        system="You are terse.",
        messages=[{"role": "user", "content": "marker-anth-1"}],
    )
    assert msg.type == "message" and msg.role == "assistant"
    assert msg.content[0].type == "text" and len(msg.content[0].text.split()) == 12
    assert msg.stop_reason == "max_tokens" and msg.usage.output_tokens == 12
    with client.messages.stream(
        model="mock-gpt", max_tokens=200, messages=[{"role": "user", "content": "marker-anth-2"}]
    ) as stream:
        deltas = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert final.content[0].text == deltas and final.stop_reason == "end_turn"
    (rec,) = _records(gateway, "marker-anth-2")
    ex = parse_exchange(rec)
    assert ex.endpoint == "messages" and ex.request["max_tokens"] == 200
    assert ex.response["type"] == "message"
    assert response_text("messages", ex.response) == deltas


def test_anthropic_tool_use_roundtrip_translates_request(gateway: RunningGateway) -> None:
    client = _an(gateway)
    msg = client.messages.create(
        model="mock-gpt",
        max_tokens=50,
        tools=[{"name": "lookup", "description": "d", "input_schema": {"type": "object"}}],
        messages=[
            {"role": "user", "content": "marker-tools"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": 1}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "42"}],
            },
        ],
    )
    assert msg.content[0].type == "text"


def test_anthropic_sdk_against_anthropic_upstream_passes_through(
    anthropic_gateway: RunningGateway,
) -> None:
    client = _an(anthropic_gateway)
    msg = client.messages.create(
        model="mock-claude", max_tokens=64, messages=[{"role": "user", "content": "marker-native"}]
    )
    assert msg.content[0].text
    with client.messages.stream(
        model="mock-claude", max_tokens=64, messages=[{"role": "user", "content": "marker-ns"}]
    ) as stream:
        final = stream.get_final_message()
    (rec,) = _records(anthropic_gateway, "marker-ns")
    assert rec["response"]["content"][0]["text"] == final.content[0].text
    assert rec["response"]["usage"]["output_tokens"] == final.usage.output_tokens
    assert "translated" not in rec.get("meta", {})


def test_models_and_embeddings(gateway: RunningGateway) -> None:
    client = _oa(gateway)
    ids = [m.id for m in client.models.list().data]
    assert "mock-gpt" in ids
    emb = client.embeddings.create(model="mock-gpt", input=["a", "b"])
    assert len(emb.data) == 2 and len(emb.data[0].embedding) == 16


def test_x_api_key_header_is_accepted(gateway: RunningGateway, http: Any) -> None:
    status, _, body = http(
        gateway.url + "/v1/chat/completions",
        "POST",
        {"model": "mock-gpt", "messages": MSG},
        {"x-api-key": gateway.keys["acct-2"]},
    )
    assert status == 200
    assert b'"object":"chat.completion"' in body


def test_segments_are_ingested_into_the_store(mock_upstream: Any, gw_factory: Any) -> None:
    from distillguard.store import Store

    gw = gw_factory(mock_upstream.url)
    for i in range(3):
        _oa(gw).chat.completions.create(
            model="mock-gpt", messages=[{"role": "user", "content": f"marker-store-{i}"}]
        )
    # stopping flushes, rotates and ingests; the store is then free to open
    gw.loop.call_soon_threadsafe(gw._stop.set)
    gw.thread.join(20)
    assert not list(gw.app.log_dir.glob("seg-*")), "every segment was ingested and moved"
    with Store(gw.app.settings.db_path, read_only=True) as store:
        rows = store.con.execute(
            "SELECT account_id, status FROM exchanges ORDER BY account_id"
        ).fetchall()
    assert rows == [("acct-1", 200)] * 3
