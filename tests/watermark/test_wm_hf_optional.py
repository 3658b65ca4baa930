"""Hugging Face paths for real: ``transformers`` generation with our processors, ``hf:`` suspects.

Runs only where the optional ``ml`` extra (torch, transformers) is installed; the model is
a tiny randomly initialised GPT-2 built from a config and a word-level tokenizer built in
code, so nothing is downloaded.
"""

from __future__ import annotations

import json

import pytest

from distillguard.cli import main
from distillguard.watermark import GumbelScheme, Keyring, KGWScheme
from distillguard.watermark.engines import HFGumbelLogitsProcessor, HFKGWLogitsProcessor

torch = pytest.importorskip("torch", reason="torch is the optional 'ml' extra")
transformers = pytest.importorskip("transformers", reason="transformers is the optional 'ml' extra")

WORDS = [f"w{i}" for i in range(300)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from tokenizers import Tokenizer, models, pre_tokenizers

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-gpt2")
    vocab = {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(WORDS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]")
    fast.save_pretrained(folder)
    cfg = transformers.GPT2Config(
        vocab_size=len(vocab),
        n_positions=256,
        n_embd=32,
        n_layer=1,
        n_head=2,
        bos_token_id=0,
        eos_token_id=0,
    )
    model = transformers.GPT2LMHeadModel(cfg).eval()
    model.save_pretrained(folder)
    return model, folder


def test_transformers_generate_with_our_processors(tiny) -> None:
    model, _ = tiny
    ring = Keyring({"k": bytes(range(32))})
    prompt = torch.tensor([[1, 2, 3]])
    kgw, key = KGWScheme(), ring.account_key("a", "kgw")
    out = model.generate(
        prompt,
        do_sample=True,
        max_new_tokens=120,
        logits_processor=transformers.LogitsProcessorList([HFKGWLogitsProcessor(kgw, key)]),
        pad_token_id=0,
    )
    ids = out[0].tolist()
    assert kgw.detect(ids, key, exclude=[1, 2, 3]).detected(1e-6)
    assert not kgw.detect(ids, ring.account_key("b", "kgw")).detected(1e-3)
    gum, gkey = GumbelScheme(), ring.account_key("a", "gumbel")
    out = model.generate(
        prompt,
        do_sample=False,
        max_new_tokens=120,
        logits_processor=transformers.LogitsProcessorList([HFGumbelLogitsProcessor(gum, gkey)]),
        pad_token_id=0,
    )
    assert gum.detect(out[0].tolist(), gkey).detected(1e-6)


def test_hf_suspect_open_and_closed_modes_run(tiny, tmp_path, capsys) -> None:
    _, folder = tiny
    ring = tmp_path / "ring.json"
    Keyring({"k": bytes(range(32))}).save(ring)
    probe = tmp_path / "probe.txt"
    probe.write_text("\n".join(" ".join(WORDS[i : i + 20]) for i in range(0, 200, 20)))
    base = ["radioactivity", "--suspect", f"hf:{folder}", "--tokenizer", f"hf:{folder}"]
    base += ["--keys", str(ring), "--json"]
    assert main([*base, "--probe", str(probe), "--probe-unwatermarked", "--top-k", "4"]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert doc["mode"] == "open" and doc["test"]["n_scored"] > 0
    assert not doc["radioactive"]  # a random model never saw our key
    assert main([*base, "--mode", "closed", "--n-prompts", "3", "--max-tokens", "10"]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert doc["mode"] == "closed"
