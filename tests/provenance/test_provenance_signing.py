"""Signed responses: round trip, tampering, rotation, keyring permissions, verify CLI."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.cli import main
from distillguard.errors import ConfigError
from distillguard.provenance import (
    HEADER_SIGNATURE,
    HEADER_SIGNED,
    HEADER_SIGNING_KEY,
    Keyring,
    Signer,
    verify_headers,
    verify_record,
)
from distillguard.provenance.keyring import b64url_decode

REQ = b'{"model":"m1","messages":[{"role":"user","content":"Hi \\u00e9"}]}'
RESP = b'{"id":"c1","model":"m1","choices":[{"message":{"role":"assistant","content":"Yo"}}]}'
TS = "2026-11-23T12:00:00.000Z"


def _sign(signer: Signer, resp: bytes = RESP, account: str = "acct;1\n") -> dict[str, str]:
    return signer.sign(
        request_body=REQ, response_body=resp, account_id=account, key_id="key_1", model="m1", ts=TS
    )


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return Signer(tmp_path / "ring.json")


def test_round_trip_and_the_statement_is_self_describing(signer: Signer) -> None:
    headers = _sign(signer)
    assert set(headers) == {HEADER_SIGNATURE, HEADER_SIGNING_KEY, HEADER_SIGNED}
    assert all(v.isascii() and "\n" not in v for v in headers.values())
    keys = signer.verification_keys()
    check = verify_headers(
        headers, keys, response_body=RESP, request_body=REQ, account_id="acct;1\n", ts=TS
    )
    assert check.ok, check.problems
    # what a third party does with no DistillGuard code: docs/provenance.md
    statement = headers[HEADER_SIGNED].replace(";", "\n").encode("ascii")
    assert statement.startswith(b"distillguard-signature-v1\nsigning_key=")
    assert f"response_sha256={hashlib.sha256(RESP).hexdigest()}".encode() in statement
    assert b"account=acct%3B1%0A\n" in statement
    payload = json.loads(signer.public_keys())
    (entry,) = payload["keys"]
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(entry["public_key"]))
    public.verify(b64url_decode(headers[HEADER_SIGNATURE]), hashlib.sha256(statement).digest())
    assert entry["kid"] == headers[HEADER_SIGNING_KEY] and entry["active"] is True
    assert "private_key" not in json.dumps(payload)


def test_tampering_with_body_headers_or_key_id_is_detected(signer: Signer) -> None:
    keys = signer.verification_keys()
    headers = _sign(signer)
    bad_body = verify_headers(headers, keys, response_body=RESP.replace(b"Yo", b"No"))
    assert not bad_body.ok and "response body differs" in bad_body.problems[0]
    bad_req = verify_headers(headers, keys, response_body=RESP, request_body=REQ + b" ")
    assert not bad_req.ok and "request body differs" in bad_req.problems[0]
    forged = dict(headers)
    forged[HEADER_SIGNED] = headers[HEADER_SIGNED].replace("acct%3B1%0A", "acct-2")
    check = verify_headers(forged, keys, response_body=RESP)
    assert not check.ok and "signature does not match" in check.problems[0]
    wrong_kid = {**headers, HEADER_SIGNING_KEY: "dgk-other"}
    assert not verify_headers(wrong_kid, keys, response_body=RESP).ok
    sig = bytearray(b64url_decode(headers[HEADER_SIGNATURE]))
    sig[0] ^= 1
    from distillguard.provenance.keyring import b64url_encode

    flipped = {**headers, HEADER_SIGNATURE: b64url_encode(bytes(sig))}
    assert not verify_headers(flipped, keys, response_body=RESP).ok
    other = Signer(Keyring.create(signer.keyring.path.with_name("other.json")))
    assert not verify_headers(headers, other.verification_keys(), response_body=RESP).ok
    assert verify_headers({}, keys, response_body=RESP).problems[0].startswith("not signed")


def test_rotation_keeps_old_signatures_verifiable(signer: Signer, tmp_path: Path) -> None:
    old_kid = signer.active_kid
    old_headers = _sign(signer)
    new_kid = signer.rotate()
    assert new_kid != old_kid
    new_headers = _sign(signer)
    assert new_headers[HEADER_SIGNING_KEY] == new_kid
    reloaded = Keyring.load(tmp_path / "ring.json")
    assert reloaded.active == new_kid and reloaded.entries[old_kid].private_key is None
    keys = reloaded.public_keys()
    assert verify_headers(old_headers, keys, response_body=RESP).ok
    assert verify_headers(new_headers, keys, response_body=RESP).ok
    payload = json.loads(Signer(tmp_path / "ring.json").public_keys())
    states = {k["kid"]: (k["active"], k["retired"] is not None) for k in payload["keys"]}
    assert states == {old_kid: (False, True), new_kid: (True, False)}


def test_keyring_file_is_private_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "ring.json"
    Keyring.create(path)
    assert (path.stat().st_mode & 0o777) == 0o600
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        Keyring.load(path)
    with pytest.raises(ConfigError, match="does not exist"):
        Keyring.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    os.chmod(bad, 0o600)
    with pytest.raises(ConfigError, match="malformed"):
        Keyring.load(bad)


def _record(signer: Signer, i: int) -> dict:
    resp = RESP.replace(b"Yo", f"answer {i}".encode())
    headers = signer.sign(
        request_body=REQ, response_body=resp, account_id=f"a{i}", key_id="k", model="m1", ts=TS
    )
    return {
        "id": f"ex-{i}",
        "ts": TS,
        "account_id": f"a{i}",
        "key_id": "k",
        "request": json.loads(REQ),
        "response": json.loads(resp),
        "meta": {"provenance": headers},
    }


def test_verify_cli_on_good_and_tampered_logs(
    signer: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [_record(signer, i) for i in range(4)]
    good = tmp_path / "good.jsonl"
    good.write_text("".join(json.dumps(r) + "\n" for r in records))
    keys = tmp_path / "keys.json"
    keys.write_bytes(signer.public_keys())
    assert main(["verify", str(good), "--keys", str(keys)]) == 0
    out = capsys.readouterr().out
    assert out.count("valid    good.jsonl:ex-") == 4 and "4 valid, 0 invalid" in out
    (tmp_path / "logs").mkdir()
    good.rename(tmp_path / "logs" / "good.jsonl")
    assert main(["verify", str(tmp_path / "logs"), "--keys", str(keys), "--quiet"]) == 0
    assert capsys.readouterr().out == "4 valid, 0 invalid\n"

    tampered = [dict(r) for r in records]
    tampered[1]["response"] = {**records[1]["response"], "model": "m1", "id": "c2"}
    tampered[2]["account_id"] = "someone-else"
    tampered[3]["meta"] = {}
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in tampered))
    assert main(["verify", str(bad), "--keyring", str(signer.keyring.path)]) == 1
    out = capsys.readouterr().out
    assert "valid    bad.jsonl:ex-0" in out
    assert "INVALID  bad.jsonl:ex-1: response body differs" in out
    assert "INVALID  bad.jsonl:ex-2: account 'someone-else' differs" in out
    assert "INVALID  bad.jsonl:ex-3: not signed" in out
    assert "1 valid, 3 invalid" in out

    # a Parquet export keeps nested objects as JSON text
    table = pa.Table.from_pylist(
        [{k: json.dumps(v) if isinstance(v, dict) else v for k, v in r.items()} for r in records]
    )
    pq.write_table(table, tmp_path / "exchanges.parquet")
    assert main(["verify", str(tmp_path / "exchanges.parquet"), "--keys", str(keys)]) == 0
    assert "4 valid, 0 invalid" in capsys.readouterr().out
    assert verify_record(records[0], signer.verification_keys()).ok


def test_verify_cli_on_saved_response_and_pieces(
    signer: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    headers = _sign(signer)
    keys = tmp_path / "keys.json"
    keys.write_bytes(signer.public_keys())
    saved = tmp_path / "response.json"
    saved.write_text(json.dumps({"body": RESP.decode(), "headers": headers}))
    assert main(["verify", str(saved), "--keys", str(keys)]) == 0
    saved.write_text(json.dumps({"body": RESP.decode() + " ", "headers": headers}))
    assert main(["verify", str(saved), "--keys", str(keys)]) == 1
    body = tmp_path / "body.bin"
    body.write_bytes(RESP)
    args = [
        "verify",
        "--keys",
        str(keys),
        "--body",
        str(body),
        "--signature",
        headers[HEADER_SIGNATURE],
        "--signing-key",
        headers[HEADER_SIGNING_KEY],
        "--signed",
        headers[HEADER_SIGNED],
    ]
    assert main(args) == 0
    body.write_bytes(RESP[:-1] + b" }")
    assert main(args) == 1
    capsys.readouterr()
    assert main(["verify", str(saved)]) == 1
    assert "--keys FILE or --keyring FILE" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "nope.jsonl"), "--keys", str(keys)]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_rotate_command(signer: Signer, capsys: pytest.CaptureFixture[str]) -> None:
    old = signer.active_kid
    assert main(["verify", "--rotate", "--keyring", str(signer.keyring.path)]) == 0
    new = capsys.readouterr().out.strip().split()[-1]
    ring = Keyring.load(signer.keyring.path)
    assert ring.active == new != old and old in ring.entries


def test_the_documented_third_party_check_works(signer: Signer) -> None:
    """docs/provenance.md's self-contained verifier accepts ours and rejects a forgery."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "provenance.md").read_text()
    code = doc.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "provenance.md", "exec"), namespace)
    headers = _sign(signer)
    assert namespace["verify"](RESP, headers, signer.public_keys()) is True
    assert namespace["verify"](RESP + b" ", headers, signer.public_keys()) is False
    forged = {**headers, HEADER_SIGNED: headers[HEADER_SIGNED].replace("key=key_1", "key=k2")}
    with pytest.raises(InvalidSignature):
        namespace["verify"](RESP, forged, signer.public_keys())


@settings(max_examples=200, deadline=None, derandomize=True)
@given(account=st.text(), key=st.text(max_size=30), model=st.text(max_size=30))
def test_statement_round_trips_any_text(account: str, key: str, model: str) -> None:
    from urllib.parse import quote

    from distillguard.provenance.signing import Statement, _enc

    assert _enc(account) == quote(account, safe="")
    stmt = Statement("dgk-1", TS, account, key, model, "a" * 64, "b" * 64, "", "")
    header = stmt.header()
    assert header.isascii() and "\n" not in header
    assert Statement.parse(header) == stmt


def test_verify_cli_takes_a_signature_that_starts_with_a_dash(
    signer: Signer, tmp_path: Path
) -> None:
    # base64url signatures start with "-" one time in 64: read as the option's value, not
    # as another option (an invalid signature, exit 1; not a usage error, exit 2)
    headers = _sign(signer)
    keys = tmp_path / "keys.json"
    keys.write_bytes(signer.public_keys())
    body = tmp_path / "body.bin"
    body.write_bytes(RESP)
    args = ["verify", "--keys", str(keys), "--body", str(body)]
    args += ["--signature", "-" + headers[HEADER_SIGNATURE][1:]]
    args += ["--signing-key", headers[HEADER_SIGNING_KEY], "--signed", headers[HEADER_SIGNED]]
    assert main(args) == 1
