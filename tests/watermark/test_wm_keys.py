"""Keyring: HKDF derivation, key separation, rotation, commitments, storage."""

from __future__ import annotations

import os
import stat

import pytest

from distillguard.errors import WatermarkError
from distillguard.watermark.keys import Keyring, verify_commitment


def test_derivation_is_deterministic_across_keyrings() -> None:
    a = Keyring({"k1": b"s" * 32})
    b = Keyring({"k1": b"s" * 32})
    assert a.account_key("acct-1", "text").secret == b.account_key("acct-1", "text").secret
    assert len(a.account_key("acct-1", "text").secret) == 32


def test_keys_are_separated_by_account_scheme_key_id_and_master() -> None:
    ring = Keyring({"k1": b"s" * 32, "k2": b"t" * 32}, active="k1")
    base = ring.account_key("acct-1", "text").secret
    others = {
        ring.account_key("acct-2", "text").secret,
        ring.account_key("acct-1", "kgw").secret,
        ring.account_key("acct-1", "text", "k2").secret,
        Keyring({"k1": b"u" * 32}).account_key("acct-1", "text").secret,
    }
    assert base not in others
    assert len(others) == 4


def test_seeds_match_single_derivation(keyring: Keyring) -> None:
    seeds = keyring.seeds(["a", "b", "c"], "kgw")
    assert [int(s) for s in seeds] == [keyring.account_key(x, "kgw").seed for x in "abc"]


def test_rotation_keeps_old_keys_for_detection() -> None:
    ring = Keyring({"k1": b"s" * 32})
    old = ring.account_key("acct", "text")
    ring.rotate("k2")
    assert ring.active == "k2"
    assert ring.key_ids == ["k1", "k2"]
    assert ring.account_key("acct", "text").key_id == "k2"
    assert ring.account_key("acct", "text", "k1").secret == old.secret
    with pytest.raises(WatermarkError):
        ring.rotate("k1")


def test_commitments_verify_and_hide_the_key(keyring: Keyring) -> None:
    rows = keyring.commitments(["acct-1", "acct-2"], "text")
    key1 = keyring.account_key("acct-1", "text")
    assert rows[0]["commitment"] == key1.commitment()
    assert verify_commitment(key1, rows[0]["commitment"])
    assert not verify_commitment(key1, rows[1]["commitment"])
    assert key1.secret.hex() not in rows[0]["commitment"]
    assert "secret" not in repr(key1) and key1.secret.hex() not in repr(key1)


def test_save_load_round_trip_is_owner_only(tmp_path) -> None:
    ring = Keyring.generate("k1")
    ring.rotate("k2")
    path = tmp_path / "ring.json"
    ring.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = Keyring.load(path)
    assert again.active == "k2"
    assert again.account_key("x", "text", "k1").secret == ring.account_key("x", "text", "k1").secret


@pytest.mark.parametrize(
    "masters",
    [{}, {"k1": b"short"}, {"": b"s" * 32}, {"a|b": b"s" * 32}],
)
def test_bad_keyrings_are_rejected(masters) -> None:
    with pytest.raises(WatermarkError):
        Keyring(masters)


def test_unknown_key_id_and_bad_file(tmp_path) -> None:
    ring = Keyring({"k1": b"s" * 32})
    with pytest.raises(WatermarkError, match="unknown key id"):
        ring.account_key("a", "text", "nope")
    bad = tmp_path / "bad.json"
    bad.write_text('{"keys": {"k1": "zz"}}')
    with pytest.raises(WatermarkError, match="not hex"):
        Keyring.load(bad)
