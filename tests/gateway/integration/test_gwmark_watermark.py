"""The gateway watermarks what it relays: per account, stronger per verdict, streamed or not.

Real gateway on loopback in front of a prose-writing mock model; clients are the official
``openai`` and ``anthropic`` SDKs (or plain HTTP where raw bytes matter). Attribution runs
``distillguard trace`` over the gateway's own exchange log.
"""

from __future__ import annotations

import io
import json
import stat
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import anthropic
import openai
import orjson
import pytest

from distillguard._types import Verdict
from distillguard.errors import ConfigError
from distillguard.gateway.config import load_settings


def _oa(gw: Any, acct: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.keys[acct], max_retries=0)


def _chat(gw: Any, acct: str, prompt: str, **kw: Any) -> str:
    out = _oa(gw, acct).chat.completions.create(
        model="m", messages=[{"role": "user", "content": prompt}], **kw
    )
    return out.choices[0].message.content or ""


def _chat_stream(gw: Any, acct: str, prompt: str) -> str:
    stream = _oa(gw, acct).chat.completions.create(
        model="m", messages=[{"role": "user", "content": prompt}], stream=True
    )
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def _set_verdict(gw: Any, acct: str, verdict: Verdict) -> None:
    gw.call(
        lambda: gw.app.policy.apply_verdict(
            acct, verdict, score=0.9, cluster_id=None, reasons=["test"], source="test"
        )
    )


def _http(url: str, key: str, body: dict) -> tuple[int, dict[str, str], bytes]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        hdrs = {"content-type": "application/json", "authorization": f"Bearer {key}"}
        conn.request("POST", parts.path, orjson.dumps(body), hdrs)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@pytest.fixture
def marked(prose_upstream: Any, gw_start: Any, wm_keyring: Path) -> Any:
    return gw_start(
        prose_upstream.url,
        accounts=("acct-a", "acct-b", "acct-w", "acct-t"),
        watermark=True,
        watermark_keyring=wm_keyring,
    )


def test_account_a_is_attributed_from_the_gateway_log_and_b_is_not(
    marked: Any, prose_for: Any, tmp_path: Path
) -> None:
    from distillguard.cli import main

    texts = [_chat(marked, "acct-a", f"question {i} about the design") for i in range(30)]
    assert sum(t != prose_for(f"question {i} about the design") for i, t in enumerate(texts)) > 20
    records = [r for r in marked.records() if r["account_id"] == "acct-a"]
    assert len(records) == 30
    meta = records[0]["meta"]["watermark"]
    assert meta["scheme"] == "text" and meta["key_id"] == "wm-1" and meta["strength"] == 1.0
    assert meta["n_changed"] >= 1 and meta["n_words"] > 0
    # the logged response is what the client received
    assert [r["response"]["choices"][0]["message"]["content"] for r in records] == texts
    # trace the gateway's own log folder, as an operator would once segments are rotated
    marked.stop()
    keyring = str(marked.app.settings.watermark_keyring)
    out = io.StringIO()
    with redirect_stdout(out):
        rc = main(
            ["trace", str(marked.app.log_dir), "--keys", keyring, "--account", "acct-b", "--json"]
        )
    assert rc == 0
    doc = json.loads(out.getvalue())
    assert doc["attributed"] == ["acct-a"]
    corrected = {r["account_id"]: r["log10_p_corrected"] for r in doc["ranked"]}
    assert corrected["acct-a"] < -6 and corrected["acct-b"] > -2, corrected


def test_watch_and_throttle_accounts_get_a_stronger_mark(marked: Any) -> None:
    _set_verdict(marked, "acct-w", Verdict.WATCH)
    _set_verdict(marked, "acct-t", Verdict.THROTTLE)
    prompts = [f"explain step {i}" for i in range(6)]
    for acct in ("acct-a", "acct-w", "acct-t"):
        for p in prompts:
            _chat(marked, acct, p)
    changed: dict[str, int] = {}
    strengths: dict[str, set[float]] = {}
    for r in marked.records():
        wm = r["meta"]["watermark"]
        changed[r["account_id"]] = changed.get(r["account_id"], 0) + wm["n_changed"]
        strengths.setdefault(r["account_id"], set()).add(wm["strength"])
    assert strengths == {"acct-a": {1.0}, "acct-w": {1.5}, "acct-t": {2.0}}
    assert changed["acct-a"] < changed["acct-w"] < changed["acct-t"], changed


@pytest.mark.parametrize("prompt", ["tell me about colour", "write code for the centre"])
def test_streamed_and_plain_chat_carry_the_same_text(
    marked: Any, prose_for: Any, prompt: str
) -> None:
    plain = _chat(marked, "acct-a", prompt)
    streamed = _chat_stream(marked, "acct-a", prompt)
    assert streamed == plain != prose_for(prompt)
    (rec,) = [r for r in marked.records() if r["request"].get("stream")]
    assert rec["response"]["choices"][0]["message"]["content"] == streamed
    assert rec["meta"]["watermark"]["n_changed"] > 0


def test_code_blocks_and_json_mode_are_untouched(marked: Any, prose_for: Any) -> None:
    text = _chat(marked, "acct-a", "please write code")
    original = prose_for("please write code")
    code = original[original.index("```") : original.rindex("```") + 3]
    assert code in text and text != original
    as_json = _chat(marked, "acct-a", "some json please", response_format={"type": "json_object"})
    assert as_json == prose_for("some json please")
    (rec,) = [r for r in marked.records() if "json" in str(r["request"])]
    assert rec["meta"]["watermark"]["skipped"] == "JSON output requested"


def test_completions_stream_and_plain_agree(marked: Any, prose_for: Any) -> None:
    client = _oa(marked, "acct-b")
    plain = client.completions.create(model="m", prompt="complete this please").choices[0].text
    stream = client.completions.create(model="m", prompt="complete this please", stream=True)
    streamed = "".join(c.choices[0].text for c in stream if c.choices)
    assert streamed == plain != prose_for("complete this please")


@pytest.mark.parametrize("kind", ["anthropic", "openai"])  # native, and translated to chat
def test_anthropic_messages_stream_and_plain_agree(
    prose_upstream: Any, gw_start: Any, wm_keyring: Path, prose_for: Any, kind: str
) -> None:
    gw = gw_start(
        prose_upstream.url, upstream_kind=kind, watermark=True, watermark_keyring=wm_keyring
    )
    client = anthropic.Anthropic(base_url=gw.url, api_key=gw.keys["acct-a"], max_retries=0)
    msgs = [{"role": "user", "content": "describe the neighbor"}]
    plain = client.messages.create(model="m", max_tokens=500, messages=msgs)
    plain_text = "".join(b.text for b in plain.content if b.type == "text")
    with client.messages.stream(model="m", max_tokens=500, messages=msgs) as stream:
        streamed = "".join(stream.text_stream)
    assert streamed == plain_text != prose_for("describe the neighbor")
    recs = gw.records()
    assert len(recs) == 2
    for r in recs:
        assert r["response"]["content"][0]["text"] == plain_text
    # the same account and text give the same mark whatever the dialect
    oa = gw_start(prose_upstream.url, watermark=True, watermark_keyring=wm_keyring)
    assert _chat(oa, "acct-a", "describe the neighbor") == plain_text


def test_signature_covers_the_watermarked_body(
    prose_upstream: Any, gw_start: Any, wm_keyring: Path, prose_for: Any, tmp_path: Path
) -> None:
    from distillguard.provenance import load_public_keys, verify_record
    from distillguard.provenance.signing import verify_headers

    gw = gw_start(
        prose_upstream.url,
        watermark=True,
        watermark_keyring=wm_keyring,
        signing=True,
        signing_keyring=tmp_path / "sign.json",
    )
    body = {"model": "m", "messages": [{"role": "user", "content": "signed colour"}]}
    status, headers, raw = _http(gw.url + "/v1/chat/completions", gw.keys["acct-a"], body)
    assert status == 200
    assert orjson.loads(raw)["choices"][0]["message"]["content"] != prose_for("signed colour")
    keys = load_public_keys(tmp_path / "sign.json")
    check = verify_headers(headers, keys, response_body=raw)
    assert check.ok, check.problems
    (rec,) = gw.records()
    assert verify_record(rec, keys).ok


def test_off_relays_the_upstream_body_byte_for_byte(prose_upstream: Any, gw_start: Any) -> None:
    gw = gw_start(prose_upstream.url)
    body = {"model": "m", "messages": [{"role": "user", "content": "plain colour"}]}
    _, _, direct = _http(prose_upstream.url + "/v1/chat/completions", "x", body)
    status, _, via = _http(gw.url + "/v1/chat/completions", gw.keys["acct-a"], body)
    assert status == 200 and via == direct
    assert gw.app.gateway.marker is None
    assert "watermark" not in gw.records()[0].get("meta", {})


def test_keyring_is_created_private_and_config_is_checked(tmp_path: Path) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text('[watermark]\nenabled = true\nkeyring = "keys/wm.json"\n')
    settings = load_settings(cfg)
    assert settings.watermark and settings.watermark_keyring == tmp_path / "keys" / "wm.json"
    from distillguard.gateway.marking import load_marker

    marker = load_marker(settings.watermark_keyring)
    mode = stat.S_IMODE(settings.watermark_keyring.stat().st_mode)
    assert mode == 0o600 and marker.keyring.active
    again = load_marker(settings.watermark_keyring)  # loaded, not replaced
    assert again.apply("the color", "x").text == marker.apply("the color", "x").text
    bad = tmp_path / "bad.toml"
    for text, fragment in [
        ("[watermark]\nenabled = 1\n", "watermark"),
        ("[watermark]\nkeyring = 5\n", "watermark.keyring"),
        ("[watermark]\nstrength = 2\n", "watermark.strength"),
        (
            "[watermark]\nenabled = true\n[verdicts.watch]\nwatermark_strength = 3.0\n",
            "verdicts.watch.watermark_strength",
        ),
    ]:
        bad.write_text(text)
        with pytest.raises(ConfigError, match=fragment):
            load_settings(bad)
    settings.watermark_keyring.chmod(0o640)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_marker(settings.watermark_keyring)
    (tmp_path / "broken.json").write_text("not json")
    (tmp_path / "broken.json").chmod(0o600)
    with pytest.raises(ConfigError, match=r"watermark\.keyring"):
        load_marker(tmp_path / "broken.json")


def test_text_held_back_when_the_upstream_drops_is_still_relayed_and_logged(
    prose_upstream: Any, gw_start: Any, wm_keyring: Path
) -> None:
    from distillguard.watermark import Keyring, TextWatermarker

    def partial(gw: Any) -> str:
        stream = _oa(gw, "acct-a").chat.completions.create(
            model="fault-drop-mid",
            messages=[{"role": "user", "content": "dropped colour"}],
            stream=True,
        )
        got = []
        with pytest.raises(openai.APIError):
            for chunk in stream:
                got.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
        return "".join(got)

    plain_gw = gw_start(prose_upstream.url)
    marked_gw = gw_start(prose_upstream.url, watermark=True, watermark_keyring=wm_keyring)
    upstream_half = partial(plain_gw)
    received = partial(marked_gw)
    marker = TextWatermarker(Keyring.load(wm_keyring))
    assert received == marker.apply(upstream_half, "acct-a").text != upstream_half
    (rec,) = marked_gw.records()
    assert rec["status"] == 502
    assert rec["response"]["choices"][0]["message"]["content"] == received


def test_stream_hold_back_is_one_line_and_bounded_by_stream_max_hold(
    prose_upstream: Any, gw_start: Any, wm_keyring: Path, prose_for: Any
) -> None:
    prompt = "a long answer about colour"
    original = prose_for(prompt)
    first_line = original[: original.index("\n") + 1]

    def first_text(gw: Any) -> str:
        stream = _oa(gw, "acct-a").chat.completions.create(
            model="m", messages=[{"role": "user", "content": prompt}], stream=True
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                return chunk.choices[0].delta.content
        return ""

    held = gw_start(prose_upstream.url, watermark=True, watermark_keyring=wm_keyring)
    first = first_text(held)  # the first text waits for the end of the first line
    assert first.endswith("\n") and "\n" not in first[:-1]
    assert first == held.app.gateway.marker.apply(first_line, "acct-a").text
    eager = gw_start(
        prose_upstream.url, watermark=True, watermark_keyring=wm_keyring, watermark_max_hold=0
    )
    first = first_text(eager)  # nothing held: the upstream's first piece, unmarked
    assert first and original.startswith(first) and len(first) < len(first_line)


def test_generation_mode_tells_our_model_server_whose_key_to_sample_with(
    prose_upstream: Any, gw_start: Any, wm_keyring: Path, prose_for: Any
) -> None:
    gw = gw_start(
        prose_upstream.url,
        watermark=True,
        watermark_keyring=wm_keyring,
        watermark_mode="generation",
    )
    assert gw.app.gateway.marker is None  # the model marks while sampling, not the gateway
    _set_verdict(gw, "acct-b", Verdict.THROTTLE)
    spoof = {"account_id": "acct-b", "watermark_strength": 0.0, "top_k": 5}
    assert _chat(gw, "acct-a", "gen one", extra_body={"vllm_xargs": spoof}) == prose_for("gen one")
    sent = prose_upstream.upstream.bodies[-1]
    assert sent["vllm_xargs"] == {"account_id": "acct-a", "watermark_strength": 1.0, "top_k": 5}
    client = anthropic.Anthropic(base_url=gw.url, api_key=gw.keys["acct-b"], max_retries=0)
    msgs = [{"role": "user", "content": "gen two"}]
    client.messages.create(model="m", max_tokens=100, messages=msgs)  # translated to chat
    sent = prose_upstream.upstream.bodies[-1]
    assert sent["vllm_xargs"] == {"account_id": "acct-b", "watermark_strength": 2.0}
    metas = [r["meta"]["watermark"] for r in gw.records()]
    assert metas == [
        {"scheme": "generation", "strength": 1.0},
        {"scheme": "generation", "strength": 2.0},
    ]
    with pytest.raises(ConfigError, match="generation"):
        load_settings(None, watermark=True, watermark_mode="generation", upstream_kind="anthropic")
    with pytest.raises(ConfigError, match=r"watermark\.mode"):
        load_settings(None, watermark_mode="logits")


def test_strict_logging_and_a_throttled_account_still_get_marked_streams(
    prose_upstream: Any, gw_start: Any, wm_keyring: Path, prose_for: Any
) -> None:
    gw = gw_start(
        prose_upstream.url, watermark=True, watermark_keyring=wm_keyring, strict_logging=True
    )
    _set_verdict(gw, "acct-a", Verdict.THROTTLE)  # default throttle: strength 2, capped tokens
    plain = _chat(gw, "acct-a", "strict colour")
    assert _chat_stream(gw, "acct-a", "strict colour") == plain != prose_for("strict colour")
    metas = [r["meta"]["watermark"] for r in gw.records()]
    assert [m["strength"] for m in metas] == [2.0, 2.0]
    assert metas[0]["n_changed"] == metas[1]["n_changed"] > 0


def test_tool_calls_are_never_marked_streamed_or_not(
    marked: Any, untouchable: tuple[str, str]
) -> None:
    args, _ = untouchable
    msgs = [{"role": "user", "content": "call the tool"}]
    client = _oa(marked, "acct-a")
    plain = client.chat.completions.create(model="m", messages=msgs).choices[0].message
    assert plain.tool_calls[0].function.arguments == args
    streamed_args, streamed_text = "", ""
    for chunk in client.chat.completions.create(model="m", messages=msgs, stream=True):
        delta = chunk.choices[0].delta if chunk.choices else None
        if delta is not None:
            streamed_text += delta.content or ""
            for tc in delta.tool_calls or ():
                streamed_args += tc.function.arguments or ""
    assert streamed_args == args and streamed_text == plain.content
    for rec in marked.records():
        assert rec["response"]["choices"][0]["message"]["tool_calls"][0]["function"] == {
            "name": "set_color",
            "arguments": args,
        }


def test_anthropic_thinking_blocks_are_never_marked(
    prose_upstream: Any, gw_start: Any, wm_keyring: Path, untouchable: tuple[str, str]
) -> None:
    _, thinking = untouchable
    gw = gw_start(
        prose_upstream.url, upstream_kind="anthropic", watermark=True, watermark_keyring=wm_keyring
    )
    client = anthropic.Anthropic(base_url=gw.url, api_key=gw.keys["acct-a"], max_retries=0)
    msgs = [{"role": "user", "content": "think about the colour"}]
    plain = client.messages.create(model="m", max_tokens=500, messages=msgs)
    with client.messages.stream(model="m", max_tokens=500, messages=msgs) as stream:
        final = stream.get_final_message()
    for message in (plain, final):
        assert [b.type for b in message.content] == ["thinking", "text"]
        assert message.content[0].thinking == thinking
        assert message.content[0].signature == "sig-1"
    assert final.content[1].text == plain.content[1].text
    for rec in gw.records():
        assert rec["response"]["content"][0]["thinking"] == thinking
        assert rec["meta"]["watermark"]["n_changed"] > 0
