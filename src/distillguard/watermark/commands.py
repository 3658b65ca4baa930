"""``distillguard trace`` and ``distillguard radioactivity``: argument parsing and output.

Secrets never appear on the command line (where ``ps`` would show them): the keyring comes
from ``--keys FILE`` (JSON, see :meth:`Keyring.load`), ``--master-secret-file FILE`` (hex
or raw bytes) or the ``DISTILLGUARD_WATERMARK_SECRET`` environment variable (hex).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import orjson

from distillguard._progress import progress
from distillguard.errors import ConfigError, InputError
from distillguard.watermark._grammar import procedural_corpus
from distillguard.watermark.attribution import Attribution, attribute
from distillguard.watermark.corpus import Passage, read_corpus
from distillguard.watermark.gumbel import GumbelScheme
from distillguard.watermark.keys import GLOBAL_ACCOUNT, Keyring
from distillguard.watermark.kgw import DEFAULT_LISTS, KGWScheme
from distillguard.watermark.radioactivity import (
    RadioactivityResult,
    closed_units,
    reading_units,
    test_radioactivity,
)
from distillguard.watermark.refmodel import reference_tokenizer
from distillguard.watermark.scheme import MAX_LISTS, Detection, Scheme, TokenScheme, Units
from distillguard.watermark.suspects import load_suspect
from distillguard.watermark.textmark import TextScheme
from distillguard.watermark.tokenizer import HFTokenizer, Tokenizer

__all__ = ["configure_radioactivity", "configure_trace", "run_radioactivity", "run_trace"]

SECRET_ENV = "DISTILLGUARD_WATERMARK_SECRET"
#: Reserved account whose key is derived but never used to watermark: the control run.
CONTROL_ACCOUNT = "__control__"


# --------------------------------------------------------------------------------------
# Shared options


def _key_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("keys (one of)")
    group.add_argument("--keys", metavar="FILE", help="keyring JSON file")
    group.add_argument(
        "--master-secret-file", metavar="FILE", help="file holding the master secret (hex or raw)"
    )
    group.add_argument("--key-id", default="wm-1", help="key id of --master-secret-file")


def _scheme_options(parser: argparse.ArgumentParser, default: str) -> None:
    group = parser.add_argument_group("scheme")
    choices = ["text", "kgw", "gumbel"] if default == "text" else ["kgw", "gumbel"]
    group.add_argument("--scheme", choices=choices, default=default)
    group.add_argument("--gamma", type=float, default=0.25, help="KGW green fraction")
    group.add_argument("--context-width", type=int, default=None, help="tokens of context")
    group.add_argument("--self-hash", action="store_true", help="KGW/Gumbel self-hash variant")
    group.add_argument(
        "--green-lists",
        type=int,
        default=DEFAULT_LISTS,
        help=f"KGW keyed green lists per key (default {DEFAULT_LISTS}; 0 = one per context)",
    )
    group.add_argument(
        "--tokenizer",
        default="builtin",
        help="'builtin' (reference model) or hf:PATH for token-level schemes",
    )


def _load_keyring(args: argparse.Namespace) -> Keyring:
    if args.keys and args.master_secret_file:
        raise ConfigError("give --keys or --master-secret-file, not both")
    if args.keys:
        return Keyring.load(args.keys)
    if args.master_secret_file:
        try:
            raw = Path(args.master_secret_file).read_bytes().strip()
        except OSError as exc:
            raise InputError(f"cannot read {args.master_secret_file}: {exc.strerror}") from None
        try:
            secret = bytes.fromhex(raw.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            secret = raw
        return Keyring({args.key_id: secret})
    env = os.environ.get(SECRET_ENV)
    if env:
        try:
            return Keyring({args.key_id: bytes.fromhex(env.strip())})
        except ValueError:
            raise ConfigError(f"{SECRET_ENV} must be hex") from None
    raise ConfigError(f"no watermark keys: use --keys, --master-secret-file or {SECRET_ENV}")


def _make_scheme(args: argparse.Namespace) -> Scheme:
    if args.scheme == "text":
        return TextScheme()
    if args.context_width is not None and not 1 <= args.context_width <= 16:
        raise ConfigError("--context-width must be from 1 to 16")
    if args.scheme == "kgw":
        if not 0.0 < args.gamma < 1.0:
            raise ConfigError("--gamma must be in (0, 1)")
        if not 0 <= args.green_lists <= MAX_LISTS:
            raise ConfigError(f"--green-lists must be from 0 to {MAX_LISTS}")
        lists = args.green_lists or None
        return KGWScheme(args.gamma, 2.0, args.context_width or 1, args.self_hash, lists)
    return GumbelScheme(args.context_width or 3, args.self_hash)


def _make_tokenizer(spec: str) -> Tokenizer:
    if spec == "builtin":
        return reference_tokenizer()
    if spec.startswith("hf:"):
        return HFTokenizer.from_pretrained(spec[3:])
    raise ConfigError(f"unknown tokenizer {spec!r} (builtin or hf:PATH)")


def _read_accounts(path: str) -> list[str]:
    """Account ids from an accounts JSONL file (spec section 2) or one id per line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    out: list[str] = []
    for lineno, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            continue
        if text.startswith("{"):
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise InputError(f"{path}:{lineno}: not a JSON line") from None
            account = obj.get("account_id") if isinstance(obj, dict) else None
            if not isinstance(account, str) or not account:
                raise InputError(f"{path}:{lineno}: no account_id")
            out.append(account)
        else:
            out.append(text)
    return out


def _fmt_log10(x: float) -> str:
    if math.isinf(x):
        return "-inf"
    return f"{x:.2f}"


def _write_json(doc: object) -> None:
    sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")


# --------------------------------------------------------------------------------------
# trace


def configure_trace(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Find which account keys a body of text carries (a leaked data set, a rival's "
        "published training data, an exchange log), with p-values corrected over all keys."
    )
    parser.add_argument("corpus", nargs="+", help="text, JSONL (texts, chats, exchanges), Parquet")
    _key_options(parser)
    parser.add_argument("--accounts", metavar="FILE", help="accounts JSONL or one id per line")
    parser.add_argument("--account", action="append", default=[], help="an account id to test")
    parser.add_argument(
        "--active-key-only",
        action="store_true",
        help="test only the active key id (default: every key id, so pre-rotation text counts)",
    )
    _scheme_options(parser, "text")
    parser.add_argument("--strength", type=float, default=1.0, help="text-scheme strength tested")
    parser.add_argument("--correction", choices=["holm", "bonferroni"], default="holm")
    parser.add_argument("--alpha", type=float, default=1e-6, help="corrected p-value threshold")
    parser.add_argument("--top", type=int, default=10, help="rows to show")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def trace_units(
    scheme: Scheme, passages: Sequence[Passage], tokenizer: Tokenizer | None, strength: float
) -> Units:
    """Unique units of a corpus, without the units of the prompts the passages answered."""
    if isinstance(scheme, TextScheme):
        units = scheme.units([p.text for p in passages], strength)
        prompts = [p.prompt for p in passages if p.prompt]
        return units.minus(scheme.units(prompts, strength)) if prompts else units
    if not isinstance(scheme, TokenScheme) or tokenizer is None:
        raise ConfigError("token-level schemes need a tokenizer")
    parts = []
    for p in progress(passages, desc="tokenizing", unit="text"):
        prompt_ids = tokenizer.encode(p.prompt) if p.prompt else None
        parts.append(scheme.units(tokenizer.encode(p.text), prompt_ids))
    return Units.merge(parts)


def run_trace(args: argparse.Namespace) -> int:
    if not 0.0 < args.alpha < 1.0:
        raise ConfigError("--alpha must be in (0, 1)")
    if not 0.0 <= args.strength <= 2.0:
        raise ConfigError("--strength must be from 0 to 2")
    if args.top < 1:
        raise ConfigError("--top must be at least 1")
    keyring = _load_keyring(args)
    scheme = _make_scheme(args)
    passages = list(read_corpus(args.corpus))
    accounts: list[str] = list(args.account)
    if args.accounts:
        accounts.extend(_read_accounts(args.accounts))
    accounts.extend(p.account_id for p in passages if p.account_id)
    accounts = list(dict.fromkeys(accounts))
    if not accounts:
        raise ConfigError("no accounts to test: give --accounts, --account or an exchange log")
    tokenizer = None if args.scheme == "text" else _make_tokenizer(args.tokenizer)
    units = trace_units(scheme, passages, tokenizer, args.strength)
    key_ids = [keyring.active] if args.active_key_only else keyring.key_ids
    result = attribute(scheme, units, keyring, accounts, key_ids, args.correction, args.top)
    if args.json:
        _write_json(_attribution_doc(result, args.alpha, len(passages)))
    else:
        _print_attribution(result, args.alpha, len(passages))
    return 0


def _attribution_doc(result: Attribution, alpha: float, n_passages: int) -> dict[str, object]:
    return {
        "scheme": result.scheme,
        "n_passages": n_passages,
        "n_units_scored": result.n_scored,
        "n_units_seen": result.n_seen,
        "n_keys_tested": result.n_keys,
        "correction": result.correction,
        "alpha": alpha,
        "attributed": [k.account_id for k in result.significant(alpha)],
        "ranked": [k.to_dict() for k in result.ranked],
    }


def _print_attribution(result: Attribution, alpha: float, n_passages: int) -> None:
    hits = result.significant(alpha)
    print(
        f"scheme {result.scheme}: {n_passages} passages, {result.n_scored} units scored "
        f"({result.n_seen} seen), {result.n_keys} keys tested, {result.correction} correction"
    )
    header = (
        f"{'account_id':<28} {'key_id':<10} {'matches':>8} {'expected':>9} "
        f"{'log10 p':>9} {'log10 p_corr':>13}  verdict"
    )
    print(header)
    for k in result.ranked:
        verdict = "CARRIES" if k in hits else ""
        print(
            f"{k.account_id:<28} {k.key_id:<10} {k.score:>8.0f} {k.expected:>9.1f} "
            f"{_fmt_log10(k.log10_p):>9} {_fmt_log10(k.log10_p_corrected):>13}  {verdict}"
        )
    if hits:
        print(f"{len(hits)} account key(s) carried at corrected p < {alpha:g}")
    else:
        print(f"no account key carried at corrected p < {alpha:g}")


# --------------------------------------------------------------------------------------
# radioactivity


def configure_radioactivity(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Test whether a suspect model was trained on our watermarked outputs: closed mode "
        "scores its answers, open mode reads text through it and scores its predictions."
    )
    parser.add_argument(
        "--suspect", required=True, action="append", help="ngram:PATH, openai:URL or hf:PATH"
    )
    _key_options(parser)
    parser.add_argument("--account", default=GLOBAL_ACCOUNT, help="whose key to look for")
    parser.add_argument(
        "--accounts",
        metavar="FILE",
        help="also test every account key in FILE (Holm-corrected), e.g. a flagged cluster",
    )
    parser.add_argument("--mode", choices=["auto", "closed", "open"], default="auto")
    _scheme_options(parser, "kgw")
    parser.add_argument("--model", default="suspect", help="model name sent to openai: suspects")
    parser.add_argument(
        "--prompts", metavar="FILE", help="closed mode: prompts (text lines or JSONL)"
    )
    parser.add_argument("--n-prompts", type=int, default=200, help="closed mode: prompts to send")
    parser.add_argument(
        "--max-tokens", type=int, default=100, help="closed mode: tokens per answer"
    )
    parser.add_argument(
        "--probe", metavar="FILE", help="open mode: texts to read through the suspect"
    )
    parser.add_argument(
        "--probe-unwatermarked",
        action="store_true",
        help="open mode: the probe carries no watermark of ours (keeps all units: more power)",
    )
    parser.add_argument("--top-k", type=int, default=16, help="open mode: predictions scored")
    parser.add_argument("--alpha", type=float, default=1e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")


def _read_texts(path: str) -> list[str]:
    texts: list[str] = []
    if path.endswith((".jsonl", ".jsonl.gz", ".json", ".ndjson", ".parquet")):
        for p in read_corpus([path]):
            texts.append(p.prompt or p.text)
    else:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None
        texts = [line for line in lines if line.strip()]
    if not texts:
        raise InputError(f"{path} holds no texts")
    return texts


def run_radioactivity(args: argparse.Namespace) -> int:
    if args.top_k < 1 or args.n_prompts < 1 or args.max_tokens < 1:
        raise ConfigError("--top-k, --n-prompts and --max-tokens must be at least 1")
    keyring = _load_keyring(args)
    scheme = _make_scheme(args)
    if not isinstance(scheme, TokenScheme):
        raise ConfigError("radioactivity needs a token-level scheme (kgw or gumbel)")
    key = keyring.account_key(args.account, scheme.name)
    control = keyring.account_key(CONTROL_ACCOUNT, scheme.name)
    tokenizer = _make_tokenizer(args.tokenizer)
    cluster = _read_accounts(args.accounts) if args.accounts else []
    per_key: list[tuple[str, Attribution]] = []
    results: list[tuple[str, RadioactivityResult]] = []
    for spec in args.suspect:
        suspect = load_suspect(spec, args.model)
        mode = args.mode
        if mode == "auto":
            mode = "open" if suspect.can_read else "closed"
        if mode == "open" and not suspect.can_read:
            raise ConfigError(f"suspect {spec} supports only closed mode")
        if mode == "open":
            if args.probe:
                probe_texts = _read_texts(args.probe)
                exclude = not args.probe_unwatermarked
            else:
                probe_texts = procedural_corpus(2000, seed=7_000 + args.seed)
                exclude = False
            probe = [np.asarray(tokenizer.encode(t), dtype=np.int64) for t in probe_texts]
            units = reading_units(scheme, suspect.top, probe, args.top_k, exclude)
            n_seq = len(probe)
        else:
            if args.prompts:
                prompts = _read_texts(args.prompts)[: args.n_prompts]
            else:
                prompts = [
                    " ".join(d.split()[:3])
                    for d in procedural_corpus(args.n_prompts, seed=9_000 + args.seed, per_doc=1)
                ]
            outputs = [
                suspect.complete(p, args.max_tokens, args.seed + i)
                for i, p in enumerate(progress(prompts, desc="querying suspect", unit="prompt"))
            ]
            units = closed_units(
                scheme,
                [tokenizer.encode(o) for o in outputs],
                [tokenizer.encode(p) for p in prompts],
            )
            n_seq = len(outputs)
        results.append((spec, test_radioactivity(scheme, units, key, control, mode, n_seq)))
        if cluster:
            per_key.append((spec, attribute(scheme, units, keyring, cluster, top=10)))
    if args.json:
        docs = [_radio_doc(spec, r, args.alpha) for spec, r in results]
        for doc, (_, attribution) in zip(docs, per_key, strict=False):
            doc["accounts"] = _attribution_doc(attribution, args.alpha, doc["n_sequences"])
        _write_json(docs)
    else:
        _print_radio(results, args.alpha)
        for spec, attribution in per_key:
            print(f"\n{spec}: account keys (tested {attribution.n_keys})")
            _print_attribution(attribution, args.alpha, results[0][1].n_sequences)
    return 0


def _det_doc(d: Detection) -> dict[str, object]:
    return {
        "account_id": d.account_id,
        "key_id": d.key_id,
        "n_scored": d.n_scored,
        "score": d.score,
        "expected": d.expected,
        "p_value": d.p_value,
        "log10_p": None if math.isinf(d.log10_p) else round(d.log10_p, 4),
    }


def _radio_doc(spec: str, r: RadioactivityResult, alpha: float) -> dict[str, object]:
    return {
        "suspect": spec,
        "mode": r.mode,
        "n_sequences": r.n_sequences,
        "alpha": alpha,
        "radioactive": r.radioactive(alpha),
        "test": _det_doc(r.test),
        "control": _det_doc(r.control),
    }


def _print_radio(results: list[tuple[str, RadioactivityResult]], alpha: float) -> None:
    print(
        f"{'suspect':<34} {'mode':<6} {'seqs':>5} {'units':>7} {'green':>7} {'expected':>9} "
        f"{'log10 p':>9} {'control':>8}  verdict"
    )
    for spec, r in results:
        verdict = "RADIOACTIVE" if r.radioactive(alpha) else "not shown"
        print(
            f"{spec:<34} {r.mode:<6} {r.n_sequences:>5} {r.test.n_scored:>7} "
            f"{r.test.score:>7.0f} {r.test.expected:>9.1f} {_fmt_log10(r.test.log10_p):>9} "
            f"{_fmt_log10(r.control.log10_p):>8}  {verdict}"
        )
    print(f"verdict threshold p < {alpha:g}; control = same units against an unused key")
