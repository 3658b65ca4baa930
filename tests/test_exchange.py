from datetime import UTC, datetime

import pytest

from distillguard.errors import RecordError
from distillguard.exchange import (
    format_ts,
    parse_account,
    parse_exchange,
    parse_ts,
    prompt_messages,
    response_text,
)


def _record(**over):
    rec = {
        "id": "ex-1",
        "ts": "2026-02-23T08:15:02.123Z",
        "account_id": "acct-1",
        "request": {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        "response": {"choices": [{"message": {"role": "assistant", "content": "hello"}}]},
    }
    rec.update(over)
    return rec


def test_round_trip_keeps_every_field():
    rec = _record(ip="10.0.0.1", status=429, latency_ms=12, meta={"a": 1}, key_id="k1")
    ex = parse_exchange(rec)
    again = parse_exchange(ex.to_record())
    assert again == ex
    assert ex.ts == datetime(2026, 2, 23, 8, 15, 2, 123000, tzinfo=UTC)
    assert ex.to_record()["ts"] == "2026-02-23T08:15:02.123Z"


def test_ts_formats_microseconds_exactly():
    dt = parse_ts("2026-02-23T08:15:02.123456+01:00")
    assert format_ts(dt) == "2026-02-23T07:15:02.123456Z"
    assert parse_ts(format_ts(dt)) == dt


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"id": None}, "id"),
        ({"ts": "yesterday"}, "ts"),
        ({"ts": "2026-02-23T08:15:02"}, "ts"),
        ({"account_id": 7}, "account_id"),
        ({"request": "not json"}, "request"),
        ({"request": [1]}, "request"),
        ({"status": "200"}, "status"),
        ({"status": True}, "status"),
        ({"latency_ms": "fast"}, "latency_ms"),
        ({"endpoint": "chat"}, "endpoint"),
    ],
)
def test_bad_fields_are_named(over, field):
    with pytest.raises(RecordError) as err:
        parse_exchange(_record(**over))
    assert err.value.field == field


def test_missing_response_is_an_error_but_null_is_fine():
    rec = _record()
    del rec["response"]
    with pytest.raises(RecordError):
        parse_exchange(rec)
    assert parse_exchange(_record(response=None)).response is None


def test_json_string_bodies_are_accepted():
    ex = parse_exchange(_record(request='{"model": "m", "messages": []}', response="null"))
    assert ex.request == {"model": "m", "messages": []}
    assert ex.response is None


def test_account_parsing():
    acct = parse_account(
        {"account_id": "a", "created_at": "2026-01-01T00:00:00Z", "verified": True}
    )
    assert acct.to_record() == {
        "account_id": "a",
        "created_at": "2026-01-01T00:00:00.000Z",
        "verified": True,
    }
    with pytest.raises(RecordError):
        parse_account({"account_id": "a", "verified": "yes"})


def test_text_extraction_across_endpoints():
    chat = {
        "messages": [
            {"role": "developer", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "part one"}]},
        ]
    }
    assert prompt_messages("chat.completions", chat) == [
        ("system", "be brief"),
        ("user", "part one"),
    ]
    anthropic = {"system": "sys", "messages": [{"role": "user", "content": "q"}]}
    assert prompt_messages("messages", anthropic) == [("system", "sys"), ("user", "q")]
    assert prompt_messages("completions", {"prompt": "abc"}) == [("user", "abc")]
    assert prompt_messages("responses", {"input": "x", "instructions": "y"}) == [
        ("system", "y"),
        ("user", "x"),
    ]
    resp = {"content": [{"type": "thinking", "thinking": "t"}, {"type": "text", "text": "a"}]}
    assert response_text("messages", resp) == "t\na"
    assert response_text("completions", {"choices": [{"text": "z"}]}) == "z"
    assert response_text("chat.completions", None) == ""
