"""fourthgen: an independent, seeded generator of labelled LLM API traffic.

Written without sight of the detector or of the other generators, from the public
exchange-log contract (``shared/spec/exchange-log.md``) and the public prompt sets
(``shared/data/prompts``), which give every simulated request real text.

    python bench/fourthgen.py --out DIR --seed N --scale S [--days D] [--prompts DIR]

writes ``DIR/exchanges.jsonl`` (sorted by ``ts``), ``DIR/accounts.jsonl`` and
``DIR/labels.csv``, and prints a one-line JSON summary (sizes, the linking traits drawn
for each campaign, the release time). The world starts on Monday 2026-03-02 00:00 UTC.
The operator serves ``helix-2`` and ``helix-2-mini`` through the Chat Completions,
Messages and Responses APIs; ``helix-2.5`` is released partway through the window
(seeded, 35-50 % of the way in) and several groups react to it. Every parameter below is
drawn per seed from a range; account counts scale with ``--scale`` (each group keeps a
few accounts at 0.1, and fixed-size organisations send less per account below 1.0).

Legitimate groups (label ``legit``)

* chat-user: people in ~20 countries and ten languages using chat front-ends (browser
  BYOK apps, mobile and desktop apps, a few hobby scripts) on their own keys; sessions
  follow local time and the week (evening-heavy personal users, office-hours workers),
  conversations are multi-turn with reading and typing pauses; some never send anything.
* developer: people building on the API with the official SDKs, LangChain or curl from
  home, office NAT and cloud dev boxes: ad-hoc bursts, small test loops, tool calling,
  coding agents; some try the new model soon after release and move part of their work.
* app-backend: production back-ends, one account each, steady templated traffic with a
  fixed system prompt, diurnal in their market, from a few cloud NAT addresses, pinned
  SDK build, prod and staging keys.
* qa-judge: a verified QA company (several accounts, one company card) grading customer
  support transcripts on a JSON rubric at temperature 0, batch jobs in business hours.
* tutoring-platform: one verified org with many accounts (one per partner school) whose
  shared back-end asks for step-by-step explanations of homework maths; school-hours and
  homework-evening rhythm in each school's time zone; all share the platform's egress.
* eval-runner: an evaluation company running public benchmarks (GSM8K, HumanEval,
  Arena-Hard, BFCL) against the new model within hours of its release: identical
  templates, temperature 0, max_tokens at the model's limit, high concurrency, 429s.
* research-cohort: a university group that signed up together in one week from the
  campus NAT (unverified), studying chain-of-thought with "think step by step" prompts,
  self-consistency sampling and extended thinking; campus, home and HPC addresses.
* reseller-customer: an API reseller whose provisioned customer accounts (one card, the
  reseller's e-mail domain) all arrive from its proxy egress with its TLS stack; the
  customers behave like ordinary chat users and developers in their own time zones.
* synthetic-data: a verified company's data team openly generating fine-tuning data
  (self-instruct expansions, worked solutions) at high volume, n>1, high temperature.

Attack campaigns (label ``attack``; linking traits are drawn per seed, so a campaign may
share cards, sign-up bursts, egress, a client build or timing, never all of them):

* hydra-*: a cluster behind reseller proxy networks: a fixed number of light accounts
  active at a time, part of them provisioned through the reseller (mixed into its
  customers) and part signed up directly behind residential or datacenter proxies; banned
  accounts are replaced within minutes by new sign-ups (a few pre-registered spares never
  send). Traffic is agentic coding trajectories, tool calling and chain-of-thought
  reasoning built from a handful of paraphrased templates, around the clock.
* recon-*: reasoning reconstruction: a question plus its completed answer, asking the
  model to articulate the internal reasoning behind it step by step (wording composed
  from interchangeable parts), with high reasoning effort, thinking or reasoning summaries.
* grader-*: the model used as a reward model: pairwise preferences and rubric scores over
  candidate answers, often with logprobs, short outputs, pipeline-regular pacing.
* pivot-*: accounts with broad, steady harvesting-style usage that move about half of
  their traffic to the new model within 24 hours of its release.
* quiet-*: the evasive campaign. Aged accounts (created weeks earlier, webmail, distinct
  cards, each behind a sticky residential proxy in its claimed country), the most common
  SDK build, local office-hours pacing with weekday/weekend rhythm, a modest and capped
  daily volume and no rate-limit errors. Tells that remain: together the accounts sweep
  public prompt sets with no prompt ever repeated across the campaign; every
  conversation is exactly one task plus one paraphrased "go deeper / show your reasoning"
  follow-up; max_tokens and temperature are constant per account; daily counts are
  unnaturally even; think times sit in a narrow band.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import math
import random
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
DAY = 86400.0
OLD, MINI, NEW = "helix-2", "helix-2-mini", "helix-2.5"
MODEL_MAX = {OLD: 16384, MINI: 16384, NEW: 32768}
MS_PER_TOKEN = {OLD: (14, 22), MINI: (5, 9), NEW: (18, 30)}
SYSFP = {OLD: "fp_4c1e7a9d02", MINI: "fp_91b3e0c7f5", NEW: "fp_e27d5a1b88"}

# --------------------------------------------------------------------------- places
# country: (utc offsets, languages, residential [(v4, v6)], mobile [(v4, v6)], weight)
COUNTRIES = {
    "US": (
        [-5, -6, -7, -8],
        ["en"],
        [("73.0.0.0/8", "2601::/20"), ("99.0.0.0/10", "2600:1700::/28"), ("108.0.0.0/14", None)],
        [("172.56.0.0/13", "2607:fb90::/32"), ("174.192.0.0/10", "2600:1000::/24")],
        22,
    ),
    "GB": (
        [0],
        ["en"],
        [("86.128.0.0/10", "2a00:23c0::/27"), ("82.0.0.0/14", None)],
        [("92.40.0.0/14", None)],
        6,
    ),
    "DE": (
        [1],
        ["de", "en"],
        [("79.192.0.0/10", "2003::/19"), ("88.64.0.0/13", "2a02:8108::/32")],
        [("176.0.0.0/13", "2a01:598::/32")],
        6,
    ),
    "FR": (
        [1],
        ["fr", "en"],
        [("90.0.0.0/9", "2a01:cb00::/24"), ("78.192.0.0/10", "2a01:e00::/26")],
        [("37.160.0.0/12", None)],
        4,
    ),
    "IN": (
        [5.5],
        ["en", "hi"],
        [("122.160.0.0/12", None), ("117.192.0.0/10", None)],
        [("49.32.0.0/11", "2409:4000::/22")],
        9,
    ),
    "BR": (
        [-3],
        ["pt"],
        [("177.64.0.0/11", "2804:14c::/31"), ("189.0.0.0/11", None)],
        [("179.240.0.0/12", None)],
        5,
    ),
    "JP": (
        [9],
        ["ja"],
        [("153.128.0.0/10", "2400:4050::/30"), ("60.64.0.0/11", None)],
        [("106.128.0.0/11", None)],
        4,
    ),
    "KR": (
        [9],
        ["ko"],
        [("175.192.0.0/10", None), ("1.224.0.0/11", None)],
        [("223.32.0.0/11", None)],
        3,
    ),
    "SG": (
        [8],
        ["en"],
        [("116.86.0.0/15", None), ("118.200.0.0/14", None)],
        [("111.65.0.0/16", None)],
        2,
    ),
    "VN": (
        [7],
        ["vi"],
        [("27.64.0.0/12", None), ("113.160.0.0/11", None)],
        [("171.224.0.0/11", None)],
        2,
    ),
    "ID": (
        [7],
        ["id"],
        [("36.64.0.0/11", None), ("180.240.0.0/12", None)],
        [("114.120.0.0/13", None)],
        3,
    ),
    "NG": ([1], ["en"], [("102.88.0.0/13", None)], [("105.112.0.0/12", None)], 2),
    "CA": (
        [-5, -8],
        ["en", "fr"],
        [("99.224.0.0/11", "2607:fea8::/32"), ("70.24.0.0/13", None)],
        [("172.98.0.0/16", None)],
        4,
    ),
    "AU": (
        [10],
        ["en"],
        [("101.160.0.0/11", None), ("49.176.0.0/12", None)],
        [("1.128.0.0/11", None)],
        3,
    ),
    "ES": (
        [1],
        ["es"],
        [("83.32.0.0/11", None), ("88.0.0.0/11", None)],
        [("37.132.0.0/14", None)],
        3,
    ),
    "MX": (
        [-6],
        ["es"],
        [("187.128.0.0/10", None), ("189.128.0.0/10", None)],
        [("187.184.0.0/13", None)],
        3,
    ),
    "CH": ([1], ["de", "fr"], [("85.0.0.0/13", "2a02:1210::/28")], [("178.197.192.0/18", None)], 1),
    "PL": ([1], ["pl", "en"], [("83.0.0.0/11", None)], [("37.47.0.0/16", None)], 2),
    "TR": ([3], ["tr"], [("78.160.0.0/11", None)], [("176.88.0.0/13", None)], 2),
    "IT": ([1], ["it"], [("79.0.0.0/10", None)], [("5.168.0.0/14", None)], 3),
    "NL": ([1], ["en"], [("84.80.0.0/12", "2001:1c00::/22")], [("31.20.0.0/14", None)], 2),
}
CLOUD = {
    "aws": ["3.80.0.0/12", "54.144.0.0/12", "18.204.0.0/14", "52.0.0.0/11", "13.212.0.0/14"],
    "gcp": ["34.64.0.0/10", "35.184.0.0/13"],
    "azure": ["20.0.0.0/11", "40.64.0.0/10"],
    "hetzner": ["65.108.0.0/15", "95.216.0.0/15", "135.181.0.0/16"],
    "ovh": ["51.68.0.0/16", "54.36.0.0/14"],
    "digitalocean": ["159.89.0.0/16", "167.99.0.0/16", "138.68.0.0/16"],
    "vultr": ["45.32.0.0/16", "149.28.0.0/16"],
    "alibaba": ["47.74.0.0/15", "8.208.0.0/12"],
    "tencent": ["43.128.0.0/10"],
}
CAMPUSES = [
    ("ethz.ch", "129.132.0.0/16", "CH", 1),
    ("cs.washington.edu", "128.208.0.0/16", "US", -8),
    ("cam.ac.uk", "131.111.0.0/16", "GB", 0),
    ("nus.edu.sg", "137.132.0.0/16", "SG", 8),
    ("tum.de", "129.187.0.0/16", "DE", 1),
    ("utoronto.ca", "128.100.0.0/16", "CA", -5),
]
WEBMAIL = {
    "*": ["gmail.com"] * 8 + ["outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me"],
    "DE": ["gmx.de", "web.de", "t-online.de"],
    "FR": ["orange.fr", "free.fr", "laposte.net"],
    "JP": ["yahoo.co.jp", "docomo.ne.jp"],
    "KR": ["naver.com", "daum.net"],
    "BR": ["uol.com.br", "bol.com.br"],
    "IN": ["rediffmail.com"],
    "IT": ["libero.it"],
    "PL": ["wp.pl", "onet.pl"],
    "TR": ["yandex.com.tr"],
}
SYLL = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ve",
    "to",
    "su",
    "ne",
    "pa",
    "dri",
    "ben",
    "cor",
    "fal",
    "gen",
    "hub",
]
SYLL += ["ix", "jet", "lum", "mor", "nex", "orb", "pix", "quo", "rex", "sol", "tri", "vox", "zen"]

# --------------------------------------------------------------------------- time
# relative activity per local hour, 0-23
PROFILES = {
    k: [float(x) for x in v.split()]
    for k, v in {
        "personal": (
            "1 .6 .3 .2 .15 .2 .4 .8 1.2 1.5 1.7 1.8 1.9 1.8 1.7 1.7 1.8 2 2.3 2.6 2.8 2.7 2.3 1.6"
        ),
        "work": ".1 .05 .05 .05 .05 .1 .3 .8 2 3 3.2 3 2.2 2.8 3.1 3 2.6 1.8 1 .7 .6 .5 .4 .2",
        "school": "0 0 0 0 0 0 .1 .6 2.5 3.2 3.2 3 2 2.8 2.6 1.2 1 1.3 1.8 2 1.6 .9 .3 .05",
        "student": (
            "1.4 1 .6 .3 .1 .05 .1 .3 .7 1.2 1.6 1.8 1.6 1.8 2 2 1.9 1.7 1.6 1.8 2 2.1 2 1.8"
        ),
        "operator": (
            ".8 .7 .7 .7 .7 .8 .9 1 1.3 1.5 1.5 1.4 1.2 1.4 1.5 1.5 1.4 1.3 1.2 1.1 1 1 .9 .9"
        ),
    }.items()
}


def iso(t: float) -> str:
    ms = round(t * 1000)
    dt = START + timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def poisson(r: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(r.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= r.random()
        if p <= limit:
            return k
        k += 1


def tok(s: str) -> int:
    return max(1, (len(s.encode()) + 3) // 4)


def hexid(r: random.Random, n: int) -> str:
    return f"{r.getrandbits(4 * n):0{n}x}"


B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def b62(r: random.Random, n: int) -> str:
    return "".join(r.choice(B62) for _ in range(n))


# --------------------------------------------------------------------------- clients
def ja4(runtime: str) -> str:
    if runtime == "chrome":
        return "t13d1516h2_8daaf6152771_02713d6af862"
    h = hashlib.sha256(("ja4|" + runtime).encode()).hexdigest()
    n = int(h[:4], 16)
    alpn = (
        "h2"
        if runtime.split("-")[0]
        in ("chrome", "firefox", "safari", "edge", "node", "go", "okhttp", "cfnet", "electron")
        else "h1"
    )
    return f"t13d{12 + n % 7:02d}{10 + (n >> 3) % 8:02d}{alpn}_{h[4:16]}_{h[16:28]}"


PY_RT = ["py-3.11-ossl3.0"] * 4 + ["py-3.12-ossl3.3"] * 4 + ["py-3.10-ossl1.1", "py-3.13-ossl3.4"]
NODE_RT = ["node-20", "node-22", "node-22"]
V_OPENAI_PY = ["1.99.9", "2.2.0", "2.5.0", "2.8.1", "2.8.1", "2.11.0"]
V_ANTH_PY = ["0.64.0", "0.69.0", "0.72.0", "0.75.0", "0.75.0"]
V_OPENAI_JS = ["5.12.2", "5.20.1", "6.3.0", "6.9.1"]
V_ANTH_JS = ["0.60.0", "0.65.0", "0.68.0"]
BROWSERS = [
    (
        "chrome",
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"
        ),
        ["131", "132", "133"],
    ),
    (
        "chrome",
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"
        ),
        ["132", "133"],
    ),
    (
        "safari-18",
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/{v} Safari/605.1.15"
        ),
        ["18.2", "18.3"],
    ),
    (
        "firefox-134",
        "Mozilla/5.0 (X11; Linux x86_64; rv:{v}) Gecko/20100101 Firefox/{v}",
        ["134.0", "135.0"],
    ),
    (
        "edge-132",
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36 Edg/{v}"
        ),
        ["132.0.0.0"],
    ),
]


class Client:
    __slots__ = ("endpoint", "fp", "kind", "retries", "stream", "ua")

    def __init__(self, kind: str, ua: str, fp: str, endpoint: str, stream: bool, retries: bool):
        self.kind, self.ua, self.fp, self.endpoint = kind, ua, fp, endpoint
        self.stream, self.retries = stream, retries


def make_client(kind: str, r: random.Random, custom: str | None = None) -> Client:
    """A client stack; ``custom`` makes a private TLS build (a fingerprint nobody else has)."""
    if kind == "openai-py":
        rt = r.choice(PY_RT)
        c = Client(
            kind, f"OpenAI/Python {r.choice(V_OPENAI_PY)}", ja4(rt), "chat.completions", False, True
        )
    elif kind == "anthropic-py":
        rt = r.choice(PY_RT)
        c = Client(
            kind, f"Anthropic/Python {r.choice(V_ANTH_PY)}", ja4(rt), "messages", False, True
        )
    elif kind == "openai-js":
        c = Client(
            kind,
            f"OpenAI/JS {r.choice(V_OPENAI_JS)}",
            ja4(r.choice(NODE_RT)),
            "chat.completions",
            r.random() < 0.5,
            True,
        )
    elif kind == "anthropic-js":
        c = Client(
            kind,
            f"Anthropic/JS {r.choice(V_ANTH_JS)}",
            ja4(r.choice(NODE_RT)),
            "messages",
            r.random() < 0.5,
            True,
        )
    elif kind == "langchain":
        rt = r.choice(PY_RT)
        c = Client(
            kind,
            f"langchain-openai/0.3.{r.randint(28, 35)} OpenAI/Python {r.choice(V_OPENAI_PY)}",
            ja4(rt),
            "chat.completions",
            False,
            True,
        )
    elif kind == "curl":
        v = r.choice(["8.5.0", "8.11.1", "7.81.0", "8.7.1"])
        c = Client(kind, f"curl/{v}", ja4("curl-" + v[0]), "chat.completions", False, False)
    elif kind == "requests":
        c = Client(
            kind,
            f"python-requests/{r.choice(['2.31.0', '2.32.3'])}",
            ja4("py-3.11-ossl3.0-urllib3"),
            "chat.completions",
            False,
            False,
        )
    elif kind == "httpx":
        c = Client(
            kind,
            "python-httpx/0.28.1",
            ja4("py-3.12-ossl3.3-httpx"),
            "chat.completions",
            False,
            False,
        )
    elif kind == "browser":
        rt, tpl, vs = r.choice(BROWSERS)
        c = Client(kind, tpl.format(v=r.choice(vs)), ja4(rt), "chat.completions", True, False)
    elif kind == "android":
        c = Client(kind, "okhttp/4.12.0", ja4("okhttp-4"), "chat.completions", True, False)
    elif kind == "ios":
        app = r.choice(["Chatly/2.4.1", "Pocket AI/5.0.3", "MindMate/1.9"])
        c = Client(
            kind,
            f"{app} CFNetwork/1568.200.51 Darwin/24.1.0",
            ja4("cfnet-ios18"),
            "chat.completions",
            True,
            False,
        )
    elif kind == "electron":
        c = Client(
            kind,
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
                "(KHTML, like Gecko) ChatDesk/3.2.0 Chrome/130.0.6723.191 Electron/33.2.1 "
                "Safari/537.36"
            ),
            ja4("electron-33"),
            "chat.completions",
            True,
            False,
        )
    elif kind == "go":
        c = Client(kind, "Go-http-client/2.0", ja4("go-1.22"), "chat.completions", False, False)
    else:
        raise ValueError(kind)
    if custom:
        c.fp = ja4("custom-" + custom)
    return c


# --------------------------------------------------------------------------- languages
NATIVE = {
    "es": (
        [
            "¿Me puedes explicar cómo funciona la inflación de forma sencilla?",
            "Escribe un correo formal para pedir un día libre en el trabajo.",
            "Dame ideas para una cena vegetariana rápida para cuatro personas.",
            "¿Cuál es la diferencia entre ser y estar?",
            "Resume la historia de la Guerra Civil española en cinco puntos.",
        ],
        [
            "Claro, te lo explico paso a paso.",
            "La inflación es el aumento general de los precios durante un periodo de tiempo.",
            "Aquí tienes algunas opciones sencillas y rápidas.",
            "En resumen, depende del contexto y de la intención.",
            "Espero que te sirva; si quieres, puedo darte más detalles.",
        ],
        ["¿Puedes hacerlo más corto?", "Gracias, ¿y un ejemplo?", "No entendí la segunda parte."],
    ),
    "pt": (
        [
            "Como faço para organizar minhas finanças pessoais?",
            "Escreva uma mensagem de aniversário para minha avó.",
            "Qual a diferença entre juros simples e compostos?",
            "Me ajuda a montar um treino de 3 dias por semana?",
            "Explique o que é fotossíntese para uma criança.",
        ],
        [
            "Claro! Vamos por partes.",
            "Juros compostos incidem sobre o valor acumulado.",
            "Aqui vai uma sugestão prática.",
            "O mais importante é manter a regularidade.",
            "Se quiser, posso detalhar cada etapa.",
        ],
        ["Pode resumir?", "Obrigado! E se eu tiver pouco tempo?", "Não entendi, explica de novo?"],
    ),
    "de": (
        [
            "Wie kündige ich meinen Handyvertrag am besten?",
            "Schreib mir eine kurze Bewerbung als Werkstudent.",
            "Was ist der Unterschied zwischen Brutto und Netto?",
            "Erkläre mir die Relativitätstheorie einfach.",
            "Welche Sehenswürdigkeiten lohnen sich in Hamburg?",
        ],
        [
            "Gerne, hier ist eine Übersicht.",
            "Der Bruttobetrag ist der Betrag vor Abzügen.",
            "Am besten gehst du dabei schrittweise vor.",
            "Zusammengefasst hängt es von deiner Situation ab.",
            "Sag Bescheid, wenn du mehr Details brauchst.",
        ],
        [
            "Kannst du das kürzer machen?",
            "Danke! Und auf Englisch?",
            "Das verstehe ich nicht ganz.",
        ],
    ),
    "fr": (
        [
            "Peux-tu m'aider à rédiger une lettre de motivation ?",
            "Quelle est la différence entre un PEA et une assurance vie ?",
            "Donne-moi une recette de quiche sans lardons.",
            "Explique-moi la blockchain simplement.",
            "Que visiter à Lyon en un week-end ?",
        ],
        [
            "Bien sûr, voici une proposition.",
            "Voici les points essentiels à retenir.",
            "Il faut d'abord préparer la pâte.",
            "En résumé, tout dépend de vos objectifs.",
            "N'hésitez pas si vous voulez plus de détails.",
        ],
        ["Tu peux raccourcir ?", "Merci ! Et un exemple ?", "Je n'ai pas compris la fin."],
    ),
    "ja": (
        [
            "日本語でビジネスメールの書き方を教えてください。",
            "東京で雨の日に楽しめる場所はどこですか？",
            "Pythonでリストを並べ替える方法を教えて。",
            "確定申告のやり方を簡単に説明してください。",
            "今日の夕飯の献立を考えてください。",
        ],
        [
            "はい、順を追って説明します。",
            "まず最初に件名を簡潔に書きましょう。",
            "いくつかの候補を挙げます。",
            "以上が基本的な流れです。",
            "他に質問があれば聞いてください。",
        ],
        ["もう少し短くできますか？", "ありがとう！例はありますか？", "よく分かりませんでした。"],
    ),
    "ko": (
        [
            "자기소개서 첫 문장을 어떻게 쓰면 좋을까요?",
            "서울에서 가볼 만한 카페 추천해줘.",
            "엑셀에서 VLOOKUP 사용법 알려줘.",
            "면접에서 자주 나오는 질문이 뭐야?",
            "간단한 김치찌개 레시피 알려줘.",
        ],
        [
            "네, 단계별로 설명드릴게요.",
            "먼저 핵심 경험을 한 문장으로 정리해 보세요.",
            "다음과 같은 방법이 있습니다.",
            "요약하면 상황에 따라 다릅니다.",
            "더 궁금한 점이 있으면 말씀해 주세요.",
        ],
        ["좀 더 짧게 해줄래?", "고마워! 예시도 있어?", "잘 이해가 안 돼."],
    ),
    "hi": (
        [
            "मुझे एक छुट्टी के लिए आवेदन पत्र लिखना है।",
            "प्रकाश संश्लेषण क्या है, आसान भाषा में समझाइए।",
            "घर पर पनीर बटर मसाला कैसे बनाएं?",
            "शेयर बाजार में निवेश कैसे शुरू करें?",
            "दिल्ली में घूमने की अच्छी जगहें बताइए।",
        ],
        [
            "ज़रूर, मैं चरण दर चरण समझाता हूँ।",
            "सबसे पहले अपना उद्देश्य स्पष्ट करें।",
            "यहाँ कुछ सुझाव दिए गए हैं।",
            "संक्षेप में, यह आपकी स्थिति पर निर्भर करता है।",
            "और जानकारी चाहिए तो बताइए।",
        ],
        ["थोड़ा छोटा कर दो?", "धन्यवाद! कोई उदाहरण?", "समझ नहीं आया।"],
    ),
    "id": (
        [
            "Bagaimana cara membuat CV yang menarik?",
            "Tolong jelaskan perbedaan saham dan reksa dana.",
            "Resep nasi goreng yang enak dan mudah?",
            "Buatkan caption Instagram untuk jualan kue.",
            "Apa tips belajar efektif untuk ujian?",
        ],
        [
            "Tentu, berikut langkah-langkahnya.",
            "Pertama, tentukan tujuan Anda.",
            "Berikut beberapa pilihan.",
            "Singkatnya, semuanya tergantung kebutuhan.",
            "Semoga membantu!",
        ],
        ["Bisa lebih singkat?", "Terima kasih! Ada contohnya?", "Saya kurang paham."],
    ),
    "vi": (
        [
            "Cách viết email xin nghỉ phép bằng tiếng Anh?",
            "Giải thích lãi suất kép cho người mới.",
            "Gợi ý món ăn sáng nhanh và healthy.",
            "Làm sao để học lập trình Python hiệu quả?",
            "Kinh nghiệm du lịch Đà Nẵng 3 ngày?",
        ],
        [
            "Được, mình sẽ giải thích từng bước.",
            "Đầu tiên bạn cần xác định mục tiêu.",
            "Dưới đây là một vài gợi ý.",
            "Tóm lại, tùy vào nhu cầu của bạn.",
            "Chúc bạn thành công!",
        ],
        ["Ngắn gọn hơn được không?", "Cảm ơn! Có ví dụ không?", "Mình chưa hiểu lắm."],
    ),
    "tr": (
        [
            "Özgeçmişimi nasıl daha etkileyici yapabilirim?",
            "Enflasyon nedir, basitçe anlatır mısın?",
            "Kolay bir mercimek çorbası tarifi?",
            "İngilizce öğrenmek için en iyi yöntemler neler?",
            "İstanbul'da gezilecek yerler?",
        ],
        [
            "Tabii, adım adım anlatayım.",
            "Öncelikle hedefinizi belirleyin.",
            "İşte birkaç öneri.",
            "Özetle, duruma göre değişir.",
            "Başka sorunuz olursa yazın.",
        ],
        ["Daha kısa yazar mısın?", "Teşekkürler! Örnek var mı?", "Anlamadım."],
    ),
    "it": (
        [
            "Come scrivo una lettera di presentazione?",
            "Spiegami la differenza tra IRPEF e IVA.",
            "Una ricetta veloce per la carbonara?",
            "Cosa vedere a Firenze in due giorni?",
            "Consigli per dormire meglio?",
        ],
        [
            "Certo, ecco una proposta.",
            "Per prima cosa, chiarisci l'obiettivo.",
            "Ecco alcuni suggerimenti.",
            "In sintesi, dipende dalla situazione.",
            "Fammi sapere se vuoi altri dettagli.",
        ],
        ["Puoi accorciarlo?", "Grazie! Un esempio?", "Non ho capito."],
    ),
    "pl": (
        [
            "Jak napisać dobre CV?",
            "Wyjaśnij różnicę między kredytem a pożyczką.",
            "Przepis na szybki obiad?",
            "Co zobaczyć w Krakowie?",
            "Jak nauczyć się programowania?",
        ],
        [
            "Jasne, wyjaśnię krok po kroku.",
            "Najpierw określ swój cel.",
            "Oto kilka propozycji.",
            "Podsumowując, to zależy od sytuacji.",
            "Daj znać, jeśli potrzebujesz więcej.",
        ],
        ["Możesz krócej?", "Dzięki! A przykład?", "Nie rozumiem."],
    ),
}
FOLLOWUPS_EN = [
    "thanks! can you make it shorter?",
    "Can you give me an example?",
    "hmm, that doesn't look right. try again?",
    "what about if I only have 10 minutes?",
    "ok and how would I explain this to my boss",
    "Can you put that in a table?",
    "nice. now in bullet points please",
    "why?",
    "Could you rewrite it in a more casual tone?",
    "what are the downsides?",
    "perfect, thank you",
    "Can you expand on point 2?",
    "is there a simpler way?",
]


# --------------------------------------------------------------------------- prompts
class Prompts:
    FILES = (
        "arena_hard",
        "hh_rlhf_harmless_test",
        "oasst_prompts",
        "awesome_chatgpt_prompts",
        "gsm8k_train",
        "humaneval",
        "bfcl_tools",
        "gpteacher_toolformer",
        "selfinstruct_seed",
    )

    def __init__(self, d: Path):
        self.sets: dict[str, list[dict]] = {}
        for name in self.FILES:
            p = d / f"{name}.jsonl"
            if not p.is_file():
                raise FileNotFoundError(f"prompt file missing: {p}")
            with p.open("rb") as f:
                self.sets[name] = [orjson.loads(line) for line in f if line.strip()]
            if not self.sets[name]:
                raise FileNotFoundError(f"prompt file empty: {p}")
        first = lambda rec: next((m["content"] for m in rec["messages"] if m["role"] == "user"), "")  # noqa: E731
        self.arena = [first(x) for x in self.sets["arena_hard"]]
        self.oasst = [first(x) for x in self.sets["oasst_prompts"]]
        self.awesome = [first(x) for x in self.sets["awesome_chatgpt_prompts"]]
        self.selfinst = [(first(x), x.get("reference", "")) for x in self.sets["selfinstruct_seed"]]
        self.gsm = [(first(x), x.get("reference", "")) for x in self.sets["gsm8k_train"]]
        self.humaneval = [(first(x), x.get("reference", "")) for x in self.sets["humaneval"]]
        self.bfcl = [
            (first(x), x.get("tools") or []) for x in self.sets["bfcl_tools"] if x.get("tools")
        ]
        self.toolformer = [
            (first(x), x.get("reference", "")) for x in self.sets["gpteacher_toolformer"]
        ]
        self.hh = [
            [m["content"] for m in x["messages"] if m["role"] == "user"]
            for x in self.sets["hh_rlhf_harmless_test"]
        ]
        self.hh_assist = [
            m["content"]
            for x in self.sets["hh_rlhf_harmless_test"]
            for m in x["messages"]
            if m["role"] == "assistant"
        ]
        code_kw = re.compile(
            r"\b(python|code|function|c\+\+|javascript|sql|script|program|class|bug|regex|api)\b",
            re.I,
        )
        self.arena_code = [p for p in self.arena if code_kw.search(p)] or self.arena
        prose = "\n\n".join(self.hh_assist + [ref for _, ref in self.selfinst if ref])
        math_ = "\n\n".join(re.sub(r"<<[^>]*>>", "", ref) for _, ref in self.gsm[:3000])
        code = "\n\n".join(p + ref for p, ref in self.humaneval)
        self.corpus = {"prose": prose, "math": math_, "code": code}

    def text(self, kind: str, ntok: int, r: random.Random) -> str:
        c = self.corpus[kind]
        n = min(len(c) - 2, max(12, ntok * 4))
        s = r.randrange(0, len(c) - n)
        b = c.find("\n", s, s + 400)  # start at a line or sentence boundary
        if b < 0:
            b = c.find(". ", s, s + 400) + 1
        s = b + 1 if 0 < b < len(c) - n else s
        return c[s : s + n].strip()

    def answer(
        self, kind: str, ntok: int, r: random.Random, lang: str = "en", ref: str = ""
    ) -> str:
        """An answer of about ``ntok`` tokens; built around the reference answer if known."""
        if ref and lang == "en":
            ref = re.sub(r"<<[^>]*>>", "", ref).strip()
            if kind == "code":
                ref = "```python\n" + ref + "\n```"
            extra = ntok - tok(ref)
            return ref if extra < 20 else self.text("prose", extra, r) + "\n\n" + ref
        if lang != "en" and lang in NATIVE:
            sents = NATIVE[lang][1]
            out, size = [], 0
            while size < ntok * 3:
                s = r.choice(sents)
                out.append(s)
                size += len(s.encode()) // 3 + 1
            return " ".join(out)
        if kind == "code":
            body = self.text("code", max(10, ntok * 2 // 3), r)
            return (
                "Here is an implementation:\n\n```python\n"
                + body
                + "\n```\n\n"
                + self.text("prose", max(5, ntok // 3), r)
            )
        return self.text(kind, ntok, r)


# --------------------------------------------------------------------------- accounts
class Acct:
    def __init__(self, **kw):
        self.__dict__.update(kw)


AGENT_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "read_file",
            "description": "Read a file from the repository.",
            "parameters": {
                "type": "object",
                "properties": {"path": {"type": "string"}},
                "required": ["path"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "write_file",
            "description": "Overwrite a file with new content.",
            "parameters": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
                "required": ["path", "content"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "run_tests",
            "description": "Run the test suite or a subset of it.",
            "parameters": {
                "type": "object",
                "properties": {"target": {"type": "string"}},
                "required": [],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search_code",
            "description": "Search the repository for a string or regex.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
    },
]


def anthropic_tools(tools: list[dict]) -> list[dict]:
    return [
        {
            "name": t["function"]["name"],
            "description": t["function"].get("description", ""),
            "input_schema": t["function"].get("parameters", {"type": "object", "properties": {}}),
        }
        for t in tools
    ]


def fake_args(schema: dict, prompt: str, r: random.Random) -> dict:
    words = re.findall(r"[A-Za-z][A-Za-z]+", prompt) or ["value"]
    nums = re.findall(r"\d+(?:\.\d+)?", prompt)
    out = {}
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    req = schema.get("required", list(props)[:2]) if isinstance(schema, dict) else []
    for k in req or list(props)[:1]:
        typ = (props.get(k) or {}).get("type", "string")
        if typ in ("integer", "number", "float"):
            v = float(nums.pop(0)) if nums else r.randint(1, 100)
            out[k] = int(v) if typ == "integer" else v
        elif typ == "boolean":
            out[k] = r.random() < 0.5
        elif typ in ("array", "tuple"):
            out[k] = [r.choice(words) for _ in range(r.randint(1, 3))]
        elif typ in ("object", "dict"):
            out[k] = {}
        else:
            out[k] = " ".join(r.choice(words) for _ in range(r.randint(1, 3)))
    return out


LOGPROB_VOCAB = [
    "A",
    "B",
    " A",
    " B",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "The",
    "Response",
    "{",
    '"',
    "score",
    "Both",
    "Neither",
    "tie",
    "yes",
    "no",
]


def logprob_content(r: random.Random, text: str, k: int) -> list[dict]:
    """Per-token logprobs for the first tokens of ``text`` with ``k`` alternatives each."""
    out = []
    for w in (text.split() or [""])[:12]:
        others = [v for v in LOGPROB_VOCAB if v != w]
        alts = [w, *r.sample(others, min(max(0, k - 1), len(others)))]
        lps = sorted(
            (round(-r.expovariate(2 if i == 0 else 0.4), 4) for i in range(len(alts))), reverse=True
        )
        out.append(
            {
                "token": w,
                "logprob": lps[0],
                "bytes": list(w.encode()),
                "top_logprobs": [
                    {"token": t, "logprob": lp, "bytes": list(t.encode())}
                    for t, lp in zip(alts[:k], lps, strict=False)
                ],
            }
        )
    return out


class World:
    def __init__(self, seed: int, scale: float, days: int, prompts: Path):
        self.seed, self.scale, self.days, self.T = seed, scale, days, days * DAY
        self.P = Prompts(prompts)
        self.idr = self.rng("ids")
        self.vf = min(1.0, scale**0.5)  # per-account volume of fixed-size organisations
        self.used: set[str] = set()
        self.campaign_traits: dict[str, list[str]] = {}
        self.cgnat: dict[str, list[str]] = {}
        self.accounts: list[Acct] = []
        self.records: list[tuple[int, str, bytes]] = []
        wr = self.rng("world")
        self.release = self.T * wr.uniform(0.35, 0.5)
        self.tags = wr.sample(
            [
                "aster",
                "basalt",
                "cobalt",
                "delta",
                "ember",
                "fjord",
                "garnet",
                "heron",
                "iris",
                "jade",
                "kelp",
                "lumen",
                "mica",
                "nadir",
                "onyx",
                "pike",
            ],
            5,
        )

    # ----------------------------------------------------------------- basics
    def rng(self, name: str) -> random.Random:
        return random.Random(f"fourthgen/{self.seed}/{name}")

    def n(self, base: float, lo: int = 3) -> int:
        return max(lo, round(base * self.scale))

    def uid(self, prefix: str, n: int = 12) -> str:
        while True:
            s = prefix + "".join(
                self.idr.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n)
            )
            if s not in self.used:
                self.used.add(s)
                return s

    def account(
        self,
        r: random.Random,
        *,
        label: str,
        persona: str,
        campaign: str = "",
        created: float,
        country: str,
        tz: float,
        org: str | None = None,
        tier: str = "free",
        verified: bool = False,
        email_domain: str = "gmail.com",
        payment: str | None = None,
        signup_ip: str | None = None,
        nkeys: int = 1,
    ) -> Acct:
        a = Acct(
            id=self.uid("acct_"),
            label=label,
            persona=persona,
            campaign=campaign,
            created=created,
            country=country,
            tz=tz,
            org=org,
            tier=tier,
            verified=verified,
            email_domain=email_domain,
            payment=payment,
            signup_ip=signup_ip,
            r=r,
        )
        a.keys = [self.uid("key_", 10) for _ in range(nkeys)]
        self.accounts.append(a)
        return a

    def card(self) -> str:
        return "pm_" + hexid(self.idr, 20)

    def org(self) -> str:
        return self.uid("org_", 10)

    def webmail(self, country: str, r: random.Random) -> str:
        local = WEBMAIL.get(country, [])
        return r.choice(local) if local and r.random() < 0.4 else r.choice(WEBMAIL["*"])

    def company_domain(self, r: random.Random, tld: str = ".com") -> str:
        return "".join(r.choice(SYLL) for _ in range(r.randint(2, 3))) + r.choice(
            [tld, tld, ".io", ".ai", ".co"]
        )

    def country(self, r: random.Random, only: list[str] | None = None) -> tuple[str, float, str]:
        keys = only or list(COUNTRIES)
        c = r.choices(keys, weights=[COUNTRIES[k][4] for k in keys])[0]
        tzs, langs = COUNTRIES[c][0], COUNTRIES[c][1]
        return c, r.choice(tzs), (langs[0] if r.random() < 0.8 else langs[-1])

    # ----------------------------------------------------------------- addresses
    @staticmethod
    def in_net(cidr: str, r: random.Random) -> str:
        net = ipaddress.ip_network(cidr)
        if net.version == 6:
            return str(
                ipaddress.IPv6Address(int(net.network_address) | r.getrandbits(128 - net.prefixlen))
            )
        return str(net[r.randrange(1, net.num_addresses - 1)])

    def residential(self, country: str, r: random.Random, v6_ok: bool = True) -> str:
        v4, v6 = r.choice(COUNTRIES[country][2])
        return self.in_net(v6, r) if v6 and v6_ok and r.random() < 0.35 else self.in_net(v4, r)

    def mobile(self, country: str, r: random.Random) -> str:
        """Carrier-grade NAT: a carrier's subscribers share a small pool of public addresses."""
        v4, v6 = r.choice(COUNTRIES[country][3])
        if v6 and r.random() < 0.5:
            return self.in_net(v6, r)
        if v4 not in self.cgnat:
            pr = self.rng("cgnat/" + v4)
            self.cgnat[v4] = [self.in_net(v4, pr) for _ in range(40)]
        return r.choice(self.cgnat[v4])

    def cloud(self, provider: str, r: random.Random) -> str:
        return self.in_net(r.choice(CLOUD[provider]), r)

    def nat_block(self, cidr: str, r: random.Random, k: int) -> list[str]:
        base = ipaddress.ip_network(cidr)
        start = r.randrange(1, base.num_addresses - 64)
        return [str(base[start + i]) for i in sorted(r.sample(range(16), k))]

    def home_ips(self, a: Acct, r: random.Random) -> list[str]:
        """One address per day: dynamic residential leases change now and then."""
        ips, cur = [], self.residential(a.country, r)
        for _ in range(self.days + 2):
            if r.random() < 0.15:
                cur = self.residential(a.country, r)
            ips.append(cur)
        return ips

    # ----------------------------------------------------------------- timing
    def starts(
        self,
        a: Acct,
        r: random.Random,
        per_day: float,
        profile: str,
        weekend: float = 1.0,
        tz: float | None = None,
    ) -> list[float]:
        w = PROFILES[profile]
        tz = a.tz if tz is None else tz
        out = []
        for d in range(-1, self.days + 1):
            f = (weekend if d % 7 >= 5 else 1.0) * r.lognormvariate(0, 0.35)
            for _ in range(poisson(r, per_day * f)):
                h = r.choices(range(24), weights=w)[0] + r.random()
                t = (d * 24 + h - tz) * 3600
                if max(0.0, a.created) <= t < self.T:
                    out.append(t)
        return sorted(out)

    # ----------------------------------------------------------------- bodies
    def request(
        self,
        endpoint: str,
        model: str,
        system: str | None,
        turns: list[tuple[str, str]],
        params: dict,
        tools: list[dict] | None = None,
        blocks: bool = False,
    ) -> dict:
        if endpoint == "messages":
            body: dict = {"model": model, "max_tokens": params.get("max_tokens", 4096)}
            if system:
                body["system"] = system
            body["messages"] = [
                {"role": ro, "content": [{"type": "text", "text": c}] if blocks else c}
                for ro, c in turns
            ]
            if tools:
                body["tools"] = anthropic_tools(tools)
            for k in ("temperature", "stream", "thinking", "top_p", "metadata"):
                if k in params:
                    body[k] = params[k]
            return body
        if endpoint == "responses":
            body = {"model": model}
            if system:
                body["instructions"] = system
            body["input"] = (
                turns[0][1] if len(turns) == 1 else [{"role": ro, "content": c} for ro, c in turns]
            )
            for k in ("reasoning", "max_output_tokens", "temperature", "stream", "store"):
                if k in params:
                    body[k] = params[k]
            return body
        msgs = (
            [{"role": params.get("sysrole", "system"), "content": system}] if system else []
        ) + [{"role": ro, "content": c} for ro, c in turns]
        body = {"model": model, "messages": msgs}
        if tools:
            body["tools"] = tools
        for k in (
            "tools_choice",
            "tool_choice",
            "temperature",
            "top_p",
            "n",
            "max_tokens",
            "max_completion_tokens",
            "logprobs",
            "top_logprobs",
            "seed",
            "stream",
            "stream_options",
            "response_format",
            "reasoning_effort",
            "user",
        ):
            if k in params:
                body[k] = params[k]
        return body

    def respond(
        self,
        r: random.Random,
        endpoint: str,
        req: dict,
        t: float,
        contents: list[str],
        *,
        reasoning: int = 0,
        thinking: str | None = None,
        tool: tuple[str, dict] | None = None,
        summary: str | None = None,
    ) -> tuple[dict, int, bool]:
        """Build the response body; returns (body, output tokens, hit the limit)."""
        model = req["model"]
        limit = (
            req.get("max_tokens")
            or req.get("max_completion_tokens")
            or req.get("max_output_tokens")
            or MODEL_MAX[model]
        )
        prompt_tokens = (
            tok(orjson.dumps(req.get("messages") or req.get("input") or "").decode())
            + tok(req.get("system") or req.get("instructions") or "")
            + 8
        )
        if req.get("tools"):
            prompt_tokens += tok(orjson.dumps(req["tools"]).decode())
        created = int(START.timestamp() + t) + 1
        if endpoint == "messages" and thinking is not None:
            reasoning = max(reasoning, tok(thinking))
        avail = (
            max(16, limit - reasoning)
            if endpoint != "chat.completions" or "max_completion_tokens" in req
            else limit
        )
        truncated = False
        outs = []
        for c in contents:
            if tok(c) > avail:
                c, truncated = c[: avail * 4], True
            outs.append(c)
        out_tokens = sum(tok(c) for c in outs) + reasoning
        if endpoint == "messages":
            blocks: list[dict] = []
            if thinking is not None:
                blocks.append({"type": "thinking", "thinking": thinking, "signature": b62(r, 88)})
            if outs[0]:
                blocks.append({"type": "text", "text": outs[0]})
            stop = "max_tokens" if truncated else "end_turn"
            if tool and not truncated:
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": "toolu_01" + b62(r, 22),
                        "name": tool[0],
                        "input": tool[1],
                    }
                )
                out_tokens += tok(orjson.dumps(tool[1]).decode()) + 12
                stop = "tool_use"
            cache = (prompt_tokens // 2) if len(req.get("system") or "") > 4000 else 0
            return (
                {
                    "id": "msg_01" + b62(r, 22),
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": blocks,
                    "stop_reason": stop,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": prompt_tokens - cache,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": cache,
                        "output_tokens": out_tokens,
                    },
                },
                out_tokens,
                truncated,
            )
        if endpoint == "responses":
            output: list[dict] = []
            if reasoning:
                item: dict = {"type": "reasoning", "id": "rs_" + hexid(r, 48), "summary": []}
                if summary:
                    item["summary"] = [{"type": "summary_text", "text": summary}]
                output.append(item)
            output.append(
                {
                    "type": "message",
                    "id": "msg_" + hexid(r, 48),
                    "status": "incomplete" if truncated else "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": outs[0], "annotations": []}],
                }
            )
            body = {
                "id": "resp_" + hexid(r, 48),
                "object": "response",
                "created_at": created,
                "status": "incomplete" if truncated else "completed",
                "model": model,
                "output": output,
                "usage": {
                    "input_tokens": prompt_tokens,
                    "output_tokens": out_tokens,
                    "output_tokens_details": {"reasoning_tokens": reasoning},
                    "total_tokens": prompt_tokens + out_tokens,
                },
            }
            if truncated:
                body["incomplete_details"] = {"reason": "max_output_tokens"}
            return body, out_tokens, truncated
        choices = []
        for i, c in enumerate(outs):
            msg: dict = {"role": "assistant", "content": c or None, "refusal": None}
            fin = "length" if truncated else "stop"
            if tool and i == 0 and not truncated:
                msg["tool_calls"] = [
                    {
                        "id": "call_" + b62(r, 24),
                        "type": "function",
                        "function": {"name": tool[0], "arguments": orjson.dumps(tool[1]).decode()},
                    }
                ]
                out_tokens += tok(msg["tool_calls"][0]["function"]["arguments"]) + 10
                fin = "tool_calls"
            ch: dict = {"index": i, "message": msg, "finish_reason": fin}
            if req.get("logprobs"):
                ch["logprobs"] = {"content": logprob_content(r, c, req.get("top_logprobs", 0))}
            choices.append(ch)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": out_tokens,
            "total_tokens": prompt_tokens + out_tokens,
        }
        if reasoning:
            usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        return (
            {
                "id": "chatcmpl-" + b62(r, 29),
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": choices,
                "usage": usage,
                "system_fingerprint": SYSFP[model],
            },
            out_tokens,
            truncated,
        )

    def emit(
        self,
        a: Acct,
        t: float,
        endpoint: str,
        req: dict,
        resp: dict | None,
        status: int,
        latency: float,
        ip: str,
        cl: Client,
        key: str,
    ) -> None:
        if not (0 <= t < self.T) or t < a.created:
            return
        eid = self.uid("xch_", 20)
        rec = {
            "id": eid,
            "ts": iso(t),
            "account_id": a.id,
            "endpoint": endpoint,
            "request": req,
            "response": resp,
            "status": status,
            "key_id": key,
            "ip": ip,
            "user_agent": cl.ua,
            "client_fingerprint": cl.fp,
            "latency_ms": round(latency, 1),
        }
        self.records.append((round(t * 1000), eid, orjson.dumps(rec)))

    def call(
        self,
        a: Acct,
        t: float,
        endpoint: str,
        req: dict,
        contents: list[str],
        *,
        ip: str,
        cl: Client,
        key: str,
        reasoning: int = 0,
        thinking: str | None = None,
        tool: tuple[str, dict] | None = None,
        summary: str | None = None,
        fail: float = 0.004,
        limited: float = 0.0,
    ) -> float:
        """Send one request (with the client's retries); returns the time the answer arrived."""
        r = a.r
        for attempt in range(4):
            roll = r.random()
            if roll < limited and attempt < 3:
                self.emit(a, t, endpoint, req, None, 429, r.uniform(20, 90), ip, cl, key)
                t += (r.uniform(0.5, 2) * 2**attempt) if cl.retries else r.uniform(8, 40)
                continue
            if roll < limited + fail and attempt < 3:
                lat = r.choice([r.uniform(200, 2000), r.uniform(30000, 60000)])
                self.emit(a, t, endpoint, req, None, 500, lat, ip, cl, key)
                t += lat / 1000 + ((r.uniform(0.5, 3)) if cl.retries else r.uniform(5, 30))
                continue
            resp, out_tokens, _ = self.respond(
                r,
                endpoint,
                req,
                t,
                contents,
                reasoning=reasoning,
                thinking=thinking,
                tool=tool,
                summary=summary,
            )
            lo, hi = MS_PER_TOKEN[req["model"]]
            lat = (
                r.lognormvariate(math.log(450), 0.4)
                + out_tokens * r.uniform(lo, hi)
                + (r.uniform(300, 1500) if reasoning or thinking else 0)
            )
            self.emit(a, t, endpoint, req, resp, 200, lat, ip, cl, key)
            return t + lat / 1000
        return t

    def model_at(
        self, r: random.Random, t: float, base: str, new_share: float, adopt_at: float | None
    ) -> str:
        if adopt_at is not None and t >= max(adopt_at, self.release) and r.random() < new_share:
            return NEW
        return base

    # ================================================================= legit groups
    def chat_users(self) -> None:
        R = self.rng("chat")
        for _ in range(self.n(900, 12)):
            r = random.Random(R.getrandbits(64))
            c, tz, lang = self.country(r)
            created = -DAY * r.uniform(1, 500) if r.random() < 0.9 else r.uniform(0, self.T)
            paid = r.random() < 0.45
            work = r.random() < 0.35
            a = self.account(
                r,
                label="legit",
                persona="chat-user",
                created=created,
                country=c,
                tz=tz,
                tier="paid" if paid else "free",
                verified=paid and r.random() < 0.7,
                email_domain=self.company_domain(r)
                if work and r.random() < 0.5
                else self.webmail(c, r),
                payment=self.card() if paid else None,
                signup_ip=self.residential(c, r),
            )
            a.lang = lang
            kind = r.choices(
                ["browser", "android", "ios", "electron", "openai-py", "requests", "anthropic-py"],
                weights=[40, 12, 12, 10, 14, 2, 10],
            )[0]
            cl = make_client(kind, r)
            if kind in ("browser", "electron") and r.random() < 0.3:
                cl.endpoint = "messages"
            rate = 0.0 if r.random() < 0.12 else r.lognormvariate(math.log(0.7), 0.9)
            homes = self.home_ips(a, r)
            mob = r.random() < 0.4
            adopt = self.release + r.expovariate(1 / (2 * DAY)) if r.random() < 0.25 else None
            sysmsg = r.choice(
                [
                    None,
                    None,
                    "You are a helpful assistant.",
                    "You are ChatDesk, a friendly AI assistant. Answer in the user's language.",
                ]
            )
            params = {"stream": True} if cl.stream else {}
            if r.random() < 0.5:
                params["temperature"] = r.choice([0.7, 1.0, 0.5])
            mt = r.choice([None, 1024, 2048, 4096])
            model_pref = r.choices([OLD, MINI], weights=[3, 1])[0]
            for t in self.starts(
                a, r, rate, "work" if work else "personal", weekend=0.4 if work else 1.3
            ):
                day = int(t // DAY)
                ip = (
                    self.mobile(c, r)
                    if (mob and kind in ("android", "ios") and r.random() < 0.5)
                    else homes[max(0, min(day, len(homes) - 1))]
                )
                for _ in range(1 + (r.random() < 0.3) + (r.random() < 0.1)):
                    t = self.conversation(
                        a,
                        r,
                        t,
                        cl,
                        ip,
                        sysmsg,
                        params,
                        mt,
                        self.model_at(r, t, model_pref, 0.6, adopt),
                    )
                    t += r.uniform(60, 1200)

    def conversation(
        self,
        a: Acct,
        r: random.Random,
        t: float,
        cl: Client,
        ip: str,
        sysmsg: str | None,
        params: dict,
        mt: int | None,
        model: str,
    ) -> float:
        P = self.P
        lang = getattr(a, "lang", "en")
        kind = "prose"
        follow: list[str] = []
        ref = ""
        if lang != "en" and r.random() < 0.7:
            first = r.choice(NATIVE[lang][0])
            follow = NATIVE[lang][2]
        else:
            src = r.choices(
                ["arena", "oasst", "awesome", "hh", "self", "gsm", "code"],
                weights=[18, 10, 18, 25, 6, 8, 6],
            )[0]
            if src == "hh":
                turns = r.choice(P.hh)
                first, follow = turns[0], turns[1:]
            elif src == "arena":
                first = r.choice(P.arena)
            elif src == "oasst":
                first = r.choice(P.oasst)
            elif src == "awesome":
                first = r.choice(P.awesome)
            elif src == "self":
                first, ref = r.choice(P.selfinst)
            elif src == "gsm":
                (first, ref), kind = r.choice(P.gsm), "math"
            else:
                (first, ref), kind = r.choice(P.humaneval), "code"
            if r.random() < 0.15:
                first = first.lower()
        nturns = 1
        while nturns < 8 and r.random() < 0.45:
            nturns += 1
        hist: list[tuple[str, str]] = []
        user = first
        p = dict(params)
        if mt:
            p["max_tokens"] = mt
        if cl.endpoint == "messages":
            p.setdefault("max_tokens", 4096)
            if r.random() < 0.15:
                p["thinking"] = {"type": "enabled", "budget_tokens": 4000}
                p["max_tokens"] = 8000
                p.pop("temperature", None)
        key = a.keys[0]
        for i in range(nturns):
            hist.append(("user", user))
            req = self.request(
                cl.endpoint,
                model,
                sysmsg,
                hist,
                p,
                blocks=r.random() < 0.2 and cl.endpoint == "messages",
            )
            ntok = int(r.lognormvariate(math.log(320), 0.7))
            ans = P.answer(kind, ntok, r, lang, ref=ref if i == 0 else "")
            th = P.text("prose", r.randint(80, 600), r) if "thinking" in p else None
            t = self.call(a, t, cl.endpoint, req, [ans], ip=ip, cl=cl, key=key, thinking=th)
            hist.append(("assistant", ans[: max(16, (p.get("max_tokens") or 99999) * 4)]))
            if i + 1 < nturns:
                user = (
                    follow[i]
                    if i < len(follow)
                    else r.choice(NATIVE[lang][2] if lang != "en" else FOLLOWUPS_EN)
                )
                t += (
                    tok(ans) / r.uniform(4, 10)
                    + len(user) / r.uniform(2.5, 6)
                    + r.lognormvariate(math.log(8), 0.8)
                )
        return t

    def developers(self) -> None:
        R = self.rng("dev")
        for _ in range(self.n(250, 8)):
            r = random.Random(R.getrandbits(64))
            c, tz, _lang = self.country(
                r,
                [
                    "US",
                    "IN",
                    "DE",
                    "GB",
                    "BR",
                    "FR",
                    "CA",
                    "PL",
                    "NL",
                    "JP",
                    "KR",
                    "SG",
                    "ES",
                    "VN",
                    "ID",
                    "AU",
                ],
            )
            org = r.random() < 0.5
            a = self.account(
                r,
                label="legit",
                persona="developer",
                created=-DAY * r.uniform(3, 700)
                if r.random() < 0.93
                else r.uniform(0, self.T * 0.7),
                country=c,
                tz=tz,
                org=self.org() if org else None,
                tier=r.choice(["paid", "startup", "paid"]),
                verified=r.random() < 0.55,
                email_domain=self.company_domain(r) if org else self.webmail(c, r),
                payment=self.card(),
                signup_ip=self.residential(c, r),
                nkeys=r.randint(1, 3),
            )
            kind = r.choices(
                [
                    "openai-py",
                    "openai-js",
                    "anthropic-py",
                    "anthropic-js",
                    "langchain",
                    "curl",
                    "requests",
                ],
                weights=[40, 18, 16, 8, 8, 6, 4],
            )[0]
            cl = make_client(kind, r)
            alt = make_client("curl", r)
            homes = self.home_ips(a, r)
            office = self.nat_block(r.choice(COUNTRIES[c][2])[0], r, 2) if org else None
            devbox = (
                self.cloud(r.choice(["aws", "gcp", "azure", "hetzner", "digitalocean"]), r)
                if r.random() < 0.3
                else None
            )
            adopt = (
                self.release + r.expovariate(1 / r.choice([0.4 * DAY, 2 * DAY]))
                if r.random() < 0.45
                else None
            )
            share = r.uniform(0.2, 0.7)
            base = r.choice([OLD, MINI, MINI])
            temp = r.choice([None, 0, 0.2, 0.7, 1])
            agentic = r.random() < 0.2
            responses_api = r.random() < 0.25
            dev_role = kind in ("openai-py", "openai-js") and r.random() < 0.4
            for t in self.starts(
                a,
                r,
                r.lognormvariate(math.log(0.8), 0.8),
                "work" if r.random() < 0.7 else "student",
                weekend=0.35,
            ):
                day = max(0, min(int(t // DAY), len(homes) - 1))
                ip = (
                    r.choice(office)
                    if office and t % (7 * DAY) < 5 * DAY and r.random() < 0.6
                    else homes[day]
                )
                if devbox and r.random() < 0.3:
                    ip = devbox
                use = alt if r.random() < 0.05 else cl
                key = r.choice(a.keys)
                model = self.model_at(r, t, base, share, adopt)
                mode = r.choices(
                    ["adhoc", "loop", "tools", "agent"], weights=[50, 15, 20, 25 if agentic else 3]
                )[0]
                params: dict = {}
                if temp is not None:
                    params["temperature"] = temp
                if mode == "agent":
                    self.agent_task(a, r, t, use, ip, key, model, system=None, think=(2, 25))
                elif mode == "loop":
                    tpl = r.choice(
                        [
                            "Extract the company name and date from: {x}",
                            (
                                "Classify the sentiment of this review as positive, negative "
                                "or neutral: {x}"
                            ),
                            "Summarise in one sentence: {x}",
                            "Translate to French: {x}",
                        ]
                    )
                    params["max_tokens"] = r.choice([64, 128, 256])
                    for _ in range(r.randint(8, 60)):
                        x = r.choice(self.P.oasst + self.P.arena)[:400]
                        req = self.request(
                            use.endpoint, model, None, [("user", tpl.format(x=x))], params
                        )
                        t = self.call(
                            a,
                            t,
                            use.endpoint,
                            req,
                            [self.P.text("prose", r.randint(10, 60), r)],
                            ip=ip,
                            cl=use,
                            key=key,
                            limited=0.01,
                        ) + r.uniform(0.05, 1.5)
                elif mode == "tools":
                    for _ in range(r.randint(1, 8)):
                        q, tools = r.choice(self.P.bfcl)
                        fn = tools[0]["function"]
                        params2 = (
                            dict(params, tool_choice="auto")
                            if use.endpoint == "chat.completions"
                            else dict(params, max_tokens=1024)
                        )
                        req = self.request(
                            use.endpoint, model, None, [("user", q)], params2, tools=tools
                        )
                        t = self.call(
                            a,
                            t,
                            use.endpoint,
                            req,
                            [""],
                            ip=ip,
                            cl=use,
                            key=key,
                            tool=(fn["name"], fake_args(fn.get("parameters", {}), q, r)),
                        ) + r.uniform(5, 120)
                else:
                    for _ in range(r.randint(1, 12)):
                        src = r.random()
                        if src < 0.4:
                            q, kind2 = r.choice(self.P.arena_code), "code"
                        elif src < 0.6:
                            q, kind2 = r.choice(self.P.humaneval)[0], "code"
                        elif src < 0.75:
                            q, kind2 = r.choice(self.P.toolformer)[0], "prose"
                        else:
                            q, kind2 = r.choice(self.P.arena + self.P.awesome), "prose"
                        p = dict(params)
                        if use.endpoint == "messages":
                            p["max_tokens"] = r.choice([1024, 2048, 4096, 8192])
                        elif r.random() < 0.4:
                            p["max_tokens"] = r.choice([512, 1024, 2048])
                        if dev_role:
                            p["sysrole"] = "developer"
                        sysm = r.choice(
                            [None, None, "You are a senior software engineer. Be concise."]
                        )
                        ans = self.P.answer(kind2, int(r.lognormvariate(math.log(450), 0.6)), r)
                        if use.kind == "openai-py" and responses_api:
                            p = {
                                "reasoning": {
                                    "effort": r.choice(["low", "medium", "medium", "high"]),
                                    "summary": "auto",
                                },
                                "max_output_tokens": r.choice([4096, 8192]),
                            }
                            req = self.request("responses", model, sysm, [("user", q)], p)
                            t = self.call(
                                a,
                                t,
                                "responses",
                                req,
                                [ans],
                                ip=ip,
                                cl=use,
                                key=key,
                                reasoning=r.randint(100, 3000),
                                summary=self.P.text("prose", r.randint(30, 120), r)
                                if r.random() < 0.7
                                else None,
                            )
                        else:
                            req = self.request(use.endpoint, model, sysm, [("user", q)], p)
                            t = self.call(a, t, use.endpoint, req, [ans], ip=ip, cl=use, key=key)
                        t += r.uniform(10, 400)

    def agent_task(
        self,
        a: Acct,
        r: random.Random,
        t: float,
        cl: Client,
        ip: str,
        key: str,
        model: str,
        *,
        system: str | None,
        think: tuple[float, float],
        task: str | None = None,
        params: dict | None = None,
        limited: float = 0.0,
    ) -> float:
        """A coding-agent trajectory: one request per step, history growing with tool calls."""
        P = self.P
        prompt, ref = r.choice(P.humaneval)
        if task is None and r.random() < 0.5:
            task = r.choice(P.arena_code)
            fname = r.choice(["src/main.py", "app/utils.py", "lib/core.py", "server/handlers.py"])
            prompt, ref = (
                P.text("code", r.randint(80, 300), r),
                P.text("code", r.randint(40, 200), r),
            )
        else:
            task = task or prompt
            fname = "src/" + (re.findall(r"def (\w+)", prompt) or ["solution"])[0] + ".py"
            prompt = prompt.split("\n", 1)[-1].lstrip()
        plan = ["search_code", "read_file", "write_file", "run_tests"]
        if r.random() < 0.5:
            plan += ["read_file", "write_file", "run_tests"]
        plan = [*plan[: r.randint(2, len(plan))], "final"]
        system = system or (
            "You are a coding agent working in the user's repository. Use "
            "the tools to inspect and change files, run the tests, and stop "
            "when they pass."
        )
        ep = cl.endpoint if cl.endpoint in ("chat.completions", "messages") else "chat.completions"
        params = dict(params or {})
        if ep == "messages":
            params.setdefault("max_tokens", 8192)
        history: list[dict] = [{"role": "user", "content": task}]
        for step in plan:
            if ep == "messages":
                req = {
                    "model": model,
                    "max_tokens": params["max_tokens"],
                    "system": system,
                    "messages": list(history),
                    "tools": anthropic_tools(AGENT_TOOLS),
                }
                for k in ("temperature", "thinking", "stream"):
                    if k in params:
                        req[k] = params[k]
            else:
                req = {
                    "model": model,
                    "messages": [{"role": "system", "content": system}, *history],
                    "tools": AGENT_TOOLS,
                }
                for k in (
                    "temperature",
                    "reasoning_effort",
                    "max_completion_tokens",
                    "stream",
                    "tool_choice",
                ):
                    if k in params:
                        req[k] = params[k]
            if step == "final":
                t = self.call(
                    a,
                    t,
                    ep,
                    req,
                    [
                        "All tests pass. Summary of the change:\n"
                        + P.text("prose", r.randint(60, 250), r)
                    ],
                    ip=ip,
                    cl=cl,
                    key=key,
                    limited=limited,
                )
                break
            args = {
                "search_code": {"query": fname.split("/")[-1][:-3]},
                "read_file": {"path": fname},
                "write_file": {"path": fname, "content": prompt + ref},
                "run_tests": {"target": "tests/"},
            }[step]
            thought = r.choice(
                [
                    "",
                    "",
                    "Let me look at the relevant code first.",
                    "I'll update the implementation and rerun the tests.",
                ]
            )
            th = P.text("prose", r.randint(60, 400), r) if "thinking" in params else None
            t = self.call(
                a,
                t,
                ep,
                req,
                [thought],
                ip=ip,
                cl=cl,
                key=key,
                tool=(step, args),
                thinking=th,
                reasoning=r.randint(200, 2500) if "reasoning_effort" in params else 0,
                limited=limited,
            )
            result = {
                "search_code": f"{fname}:1: def ...",
                "read_file": prompt[:1200],
                "write_file": f"wrote {len(prompt + ref)} bytes to {fname}",
                "run_tests": r.choice(
                    [
                        f"===== {r.randint(2, 12)} passed in {r.uniform(0.1, 3):.2f}s =====",
                        (
                            "FAILED tests/test_solution.py::test_edge_case - AssertionError\n===== "
                            "1 failed, 5 passed ====="
                        ),
                    ]
                ),
            }[step]
            cid = b62(r, 24)
            if ep == "messages":
                blocks = ([{"type": "text", "text": thought}] if thought else []) + [
                    {"type": "tool_use", "id": "toolu_01" + cid[:22], "name": step, "input": args}
                ]
                history += [
                    {"role": "assistant", "content": blocks},
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "tool_result",
                                "tool_use_id": "toolu_01" + cid[:22],
                                "content": result,
                            }
                        ],
                    },
                ]
            else:
                history += [
                    {
                        "role": "assistant",
                        "content": thought or None,
                        "tool_calls": [
                            {
                                "id": "call_" + cid,
                                "type": "function",
                                "function": {
                                    "name": step,
                                    "arguments": orjson.dumps(args).decode(),
                                },
                            }
                        ],
                    },
                    {"role": "tool", "tool_call_id": "call_" + cid, "content": result},
                ]
            t += r.uniform(*think)
        return t

    APPS = (
        (
            (
                "You are Mia, the customer support assistant for {brand}. Be "
                "warm and concise. Never promise refunds; offer to escalate instead."
            ),
            (
                "Hi, my order #{n} hasn't arrived yet and it's been {k} days. "
                "Can you check?|Can I change the delivery address for order #{n}?|The "
                "{item} I received is damaged, what do I do?|How do I return "
                "a {item}?"
            ),
            (60, 220),
        ),
        (
            (
                "Summarise the meeting transcript into: 1) a three-sentence summary, "
                "2) decisions, 3) action items with owners."
            ),
            "{doc}",
            (150, 450),
        ),
        ("You translate user text into {lang}. Output only the translation.", "{doc}", (40, 300)),
        (
            (
                "You write SQL for PostgreSQL. Schema: customers(id, name, country, "
                "created_at), orders(id, customer_id, total, created_at), items(id, "
                "order_id, sku, qty). Return only SQL."
            ),
            (
                "Total revenue per {dim} for the last {k} days|Top {k} customers "
                "by number of orders|Average basket size by {dim}"
            ),
            (30, 120),
        ),
        (
            "You are a recipe assistant. Suggest one recipe with ingredients and numbered steps.",
            "I have {item}, rice and {item2}. What can I cook in {k} minutes?",
            (250, 600),
        ),
        ("Rewrite the user's email to be {tone}. Keep the meaning.", "{doc}", (80, 300)),
        (
            (
                "Classify the support ticket into exactly one of: billing, bug, "
                'feature_request, account, other. Reply with JSON {{"label": '
                "...}}."
            ),
            "{doc}",
            (5, 12),
        ),
        (
            (
                "Answer the question using only the context. If the answer is "
                "not in the context, say you don't know.\n\nContext:\n{ctx}"
            ),
            "{q}",
            (60, 250),
        ),
        (
            (
                "You are a code reviewer. Point out bugs and style issues in "
                "the diff, as a bullet list."
            ),
            "{code}",
            (120, 400),
        ),
        (
            (
                "Write an SEO product description (80-120 words) and three bullet "
                "points for the product."
            ),
            "Product: {item}. Brand: {brand}. Key features: {feat}",
            (130, 220),
        ),
    )

    def app_backends(self) -> None:
        R = self.rng("apps")
        for i in range(self.n(25, 3)):
            r = random.Random(R.getrandbits(64))
            c, tz, _ = self.country(
                r, ["US", "GB", "DE", "FR", "IN", "BR", "JP", "SG", "CA", "AU", "ES", "NL"]
            )
            dom = self.company_domain(r)
            a = self.account(
                r,
                label="legit",
                persona="app-backend",
                created=-DAY * r.uniform(20, 600),
                country=c,
                tz=tz,
                org=self.org(),
                tier=r.choice(["startup", "enterprise"]),
                verified=True,
                email_domain=dom,
                payment=self.card(),
                signup_ip=self.residential(c, r),
                nkeys=2,
            )
            sysp, utpl, (lo, hi) = self.APPS[(i + r.randrange(len(self.APPS))) % len(self.APPS)]
            brand = dom.split(".")[0].capitalize()
            sysp = sysp.format(
                brand=brand,
                lang=r.choice(["German", "Spanish", "Japanese", "French"]),
                tone=r.choice(["more polite", "more formal"]),
                ctx=self.P.text("prose", 150, r),
            )
            cl = make_client(r.choice(["openai-py", "openai-js", "anthropic-py", "go"]), r)
            cl.endpoint = (
                r.choice(["chat.completions", "chat.completions", "messages"])
                if cl.kind == "go"
                else cl.endpoint
            )
            prov = r.choice(["aws", "aws", "gcp", "azure"])
            egress = [self.cloud(prov, r) for _ in range(r.randint(1, 4))]
            params: dict = {"temperature": r.choice([0, 0.2, 0.3, 0.7])}
            params["max_tokens"] = r.choice([256, 512, 1024]) if hi < 500 else 1024
            if "JSON" in sysp:
                params["max_tokens"] = 20
                if cl.endpoint == "chat.completions":
                    params["response_format"] = {"type": "json_object"}
            model = r.choice([MINI, MINI, OLD])
            per_hour = r.lognormvariate(math.log(4.5), 0.7) * self.vf
            prof = PROFILES[r.choice(["personal", "work"])]
            t0 = 0.0
            while t0 < self.T:
                lh = int(((t0 / 3600) + tz) % 24)
                wd = int(((t0 / 3600 + tz) // 24) % 7)
                lam = per_hour * (0.15 + prof[lh] / 2) * (0.6 if wd >= 5 else 1.0)
                for _ in range(poisson(r, lam)):
                    t = t0 + r.uniform(0, 3600)
                    if "transcript" in sysp:
                        names = r.sample(["Ana", "Ben", "Chen", "Dev", "Eli", "Fatima", "Greg"], 3)
                        doc = "\n".join(
                            f"{names[j % 3]}: {u}"
                            for j, u in enumerate(r.choice(self.P.hh) + r.choice(self.P.hh))
                        )
                    else:
                        doc = (
                            r.choice(self.P.hh)[0]
                            if r.random() < 0.5
                            else r.choice(self.P.oasst + self.P.arena)[:800]
                        )
                    u = r.choice(utpl.split("|")).format(
                        n=r.randint(10000, 999999),
                        k=r.randint(2, 30),
                        item=r.choice(
                            ["jacket", "blender", "headphones", "chicken", "tofu", "lamp"]
                        ),
                        item2=r.choice(["spinach", "eggs", "beans"]),
                        dim=r.choice(["country", "month", "sku"]),
                        doc=doc,
                        q=r.choice(self.P.oasst),
                        code=r.choice(self.P.humaneval)[1],
                        brand=brand,
                        feat="waterproof, 2-year warranty",
                    )
                    key = a.keys[1] if r.random() < 0.03 else a.keys[0]
                    req = self.request(cl.endpoint, model, sysp, [("user", u)], params)
                    ans = (
                        orjson.dumps(
                            {"label": r.choice(["billing", "bug", "account", "other"])}
                        ).decode()
                        if "JSON" in sysp
                        else self.P.answer(
                            "code" if "SQL" in sysp else "prose", r.randint(lo, hi), r
                        )
                    )
                    self.call(
                        a,
                        t,
                        cl.endpoint,
                        req,
                        [ans],
                        ip=r.choice(egress),
                        cl=cl,
                        key=key,
                        limited=0.003,
                    )
                t0 += 3600

    def qa_company(self) -> None:
        r = self.rng("qa")
        c, tz = r.choice([("DE", 1), ("US", -5), ("GB", 0), ("NL", 1)])
        org, dom, card = self.org(), self.company_domain(r), self.card()
        nat = self.nat_block(COUNTRIES[c][2][0][0], r, 3)
        cl = make_client("openai-py", r)
        rubric = (
            "You are a quality-assurance evaluator for customer support conversations. "
            "Score the agent on empathy (1-5), resolution (1-5), accuracy "
            "(1-5) and policy_compliance (true/false) following the rubric "
            "below, and give a two-sentence justification. Respond with a "
            "JSON object only.\n\nRubric:\n- 5: exemplary ... 1: unacceptable\n- "
            "Policy: no refunds above $50 without approval; always verify "
            "identity before account changes."
        )
        for _ in range(self.n(6, 3)):
            a = self.account(
                r,
                label="legit",
                persona="qa-judge",
                created=-DAY * r.uniform(30, 400),
                country=c,
                tz=tz,
                org=org,
                tier="enterprise",
                verified=True,
                email_domain=dom,
                payment=card,
                signup_ip=r.choice(nat),
                nkeys=2,
            )
            a.r = random.Random(r.getrandbits(64))
            for t in self.starts(a, a.r, r.uniform(0.8, 2.5), "work", weekend=0.03):
                if not 8 <= (t / 3600 + tz) % 24 < 17:  # jobs are launched in office hours
                    continue
                for _ in range(int(a.r.randint(30, 200) * self.vf)):
                    conv = a.r.choice(self.P.hh)
                    transcript = "\n".join(
                        f"Customer: {u}\nAgent: {self.P.text('prose', a.r.randint(20, 80), a.r)}"
                        for u in conv[:4]
                    )
                    req = self.request(
                        "chat.completions",
                        OLD,
                        rubric,
                        [("user", "Transcript:\n" + transcript + "\n\nEvaluate the agent.")],
                        {
                            "temperature": 0,
                            "response_format": {"type": "json_object"},
                            "max_tokens": 400,
                        },
                    )
                    ans = orjson.dumps(
                        {
                            "empathy": a.r.randint(2, 5),
                            "resolution": a.r.randint(1, 5),
                            "accuracy": a.r.randint(2, 5),
                            "policy_compliance": a.r.random() < 0.85,
                            "justification": self.P.text("prose", 40, a.r),
                        }
                    ).decode()
                    self.call(
                        a,
                        t,
                        "chat.completions",
                        req,
                        [ans],
                        ip=a.r.choice(nat),
                        cl=cl,
                        key=a.keys[0],
                        limited=0.02,
                    )
                    t += a.r.uniform(0.3, 2.5)

    def tutoring(self) -> None:
        r = self.rng("tutor")
        org, dom, card = self.org(), "learn" + self.company_domain(r), self.card()
        egress = [self.cloud("gcp", r) for _ in range(r.randint(3, 6))]
        cl = make_client("openai-js", r)
        sysp = (
            "You are Sparky, a patient maths tutor for students aged 9-14. "
            "Always explain your reasoning step by step, put each calculation "
            "on its own line, and check the student's understanding. Never "
            "give only the final answer."
        )
        onboard = [-DAY * r.uniform(5, 200) for _ in range(4)]
        for _ in range(self.n(110, 4)):
            c, tz = r.choice(
                [("US", -5), ("US", -6), ("US", -8), ("GB", 0), ("IN", 5.5), ("AU", 10), ("CA", -5)]
            )
            a = self.account(
                r,
                label="legit",
                persona="tutoring-platform",
                created=r.choice(onboard) + r.uniform(0, 2 * DAY),
                country=c,
                tz=tz,
                org=org,
                tier="education",
                verified=True,
                email_domain=dom,
                payment=card,
                signup_ip=egress[0],
            )
            a.r = random.Random(r.getrandbits(64))
            ar = a.r
            for t in self.starts(a, ar, ar.uniform(2, 12), "school", weekend=0.3):
                q, ref = ar.choice(self.P.gsm)
                hist = [("user", q)]
                for _turn in range(ar.randint(1, 5)):
                    req = self.request(
                        "chat.completions",
                        MINI,
                        sysp,
                        hist,
                        {"temperature": 0.3, "max_tokens": 800, "user": "stu_" + hexid(ar, 8)},
                    )
                    ans = (
                        "Let's work through it step by step.\n\n"
                        + re.sub(r"<<[^>]*>>", "", ref)
                        + "\n\nDoes that make sense?"
                    )
                    t = self.call(
                        a,
                        t,
                        "chat.completions",
                        req,
                        [ans],
                        ip=ar.choice(egress),
                        cl=cl,
                        key=a.keys[0],
                    )
                    hist.append(("assistant", ans))
                    hist.append(
                        (
                            "user",
                            ar.choice(
                                [
                                    "i dont get step 2",
                                    "why do we divide?",
                                    "is the answer " + str(ar.randint(2, 99)) + "?",
                                    "ok thanks",
                                    "can you explain it another way",
                                    "what does that mean",
                                ]
                            ),
                        )
                    )
                    t += ar.uniform(25, 200)

    def eval_company(self) -> None:
        r = self.rng("eval")
        org, dom, card = self.org(), self.company_domain(r, ".ai"), self.card()
        prov = r.choice(["gcp", "aws"])
        egress = [self.cloud(prov, r) for _ in range(r.randint(2, 5))]
        c, tz = r.choice([("US", -8), ("GB", 0), ("US", -5)])
        cl = make_client(r.choice(["openai-py", "httpx"]), r)
        accts = [
            self.account(
                r,
                label="legit",
                persona="eval-runner",
                created=-DAY * r.uniform(20, 300),
                country=c,
                tz=tz,
                org=org,
                tier="enterprise",
                verified=True,
                email_domain=dom,
                payment=card,
                signup_ip=egress[0],
            )
            for _ in range(self.n(8, 3))
        ]
        benches = ["gsm8k", "humaneval", "arena", "bfcl"]
        size = {
            "gsm8k": self.n(1319, 60),
            "humaneval": 164,
            "arena": self.n(500, 40),
            "bfcl": self.n(400, 30),
        }
        orders = {b: r.sample(range(size[b]), size[b]) for b in benches}
        for i, a in enumerate(accts):
            a.r = random.Random(r.getrandbits(64))
            ar = a.r
            # nightly regression on the current model before the release
            for d in range(self.days):
                if ar.random() < 0.5:
                    t = (d * 24 + 2 - tz) * 3600 + ar.uniform(0, 1800)
                    for _ in range(ar.randint(20, 60)):
                        q, ref = ar.choice(self.P.gsm)
                        req = self.request(
                            "chat.completions",
                            OLD,
                            None,
                            [
                                (
                                    "user",
                                    (
                                        "Solve the following math problem step by step. "
                                        "Put your final answer after '####'.\n\n"
                                        f"Question: {q}\nAnswer:"
                                    ),
                                )
                            ],
                            {"temperature": 0, "max_tokens": MODEL_MAX[OLD], "seed": 0},
                        )
                        t = self.call(
                            a,
                            t,
                            "chat.completions",
                            req,
                            [re.sub(r"<<[^>]*>>", "", ref)],
                            ip=ar.choice(egress),
                            cl=cl,
                            key=a.keys[0],
                            limited=0.01,
                        ) + ar.uniform(0.1, 1)
            bench = benches[i % len(benches)]
            t = self.release + ar.uniform(0.5, 5) * 3600
            same = [k for k in range(len(accts)) if k % len(benches) == i % len(benches)]
            for j in orders[bench][same.index(i) :: len(same)]:  # disjoint shards of one run
                params = {"temperature": 0, "max_tokens": MODEL_MAX[NEW], "seed": 0}
                tools = None
                toolc = None
                if bench == "gsm8k":
                    q, ref = self.P.gsm[j]
                    content, ans = (
                        (
                            "Solve the following math problem step by step. Put your final "
                            f"answer after '####'.\n\nQuestion: {q}\nAnswer:"
                        ),
                        re.sub(r"<<[^>]*>>", "", ref),
                    )
                elif bench == "humaneval":
                    q, ref = self.P.humaneval[j % len(self.P.humaneval)]
                    content, ans = (
                        "Complete the following Python function. Return only the code.\n\n"
                        + q.split("\n", 1)[-1],
                        "```python\n" + ref + "\n```",
                    )
                elif bench == "arena":
                    content, ans = (
                        self.P.arena[j % len(self.P.arena)],
                        self.P.text("prose", ar.randint(300, 1500), ar),
                    )
                else:
                    content, tools = self.P.bfcl[j % len(self.P.bfcl)]
                    ans = ""
                    toolc = (
                        tools[0]["function"]["name"],
                        fake_args(tools[0]["function"].get("parameters", {}), content, ar),
                    )
                req = self.request(
                    "chat.completions", NEW, None, [("user", content)], params, tools=tools
                )
                t = self.call(
                    a,
                    t,
                    "chat.completions",
                    req,
                    [ans],
                    ip=ar.choice(egress),
                    cl=cl,
                    key=a.keys[0],
                    tool=toolc,
                    limited=0.05,
                ) + ar.uniform(0.02, 0.4)

    def research_group(self) -> None:
        r = self.rng("uni")
        dom, cidr, c, tz = r.choice(CAMPUSES)
        if c not in COUNTRIES:
            c = "DE"
        nat = self.nat_block(cidr, r, 3)
        hpc = self.nat_block(cidr, r, 1)[0]
        week0 = -DAY * r.uniform(3, 20)
        lab = make_client("openai-py", r)
        for _ in range(self.n(14, 4)):
            a = self.account(
                r,
                label="legit",
                persona="research-cohort",
                created=week0 + r.uniform(0, 5 * DAY),
                country=c,
                tz=tz,
                tier=r.choice(["research", "education"]),
                verified=False,
                email_domain=dom,
                payment=self.card() if r.random() < 0.4 else None,
                signup_ip=r.choice(nat),
            )
            a.r = random.Random(r.getrandbits(64))
            ar = a.r
            cl = (
                lab
                if ar.random() < 0.6
                else make_client(ar.choice(["openai-py", "anthropic-py"]), ar)
            )
            homes = self.home_ips(a, ar)
            for t in self.starts(a, ar, ar.uniform(0.4, 2), "student", weekend=0.5):
                on_hpc = ar.random() < 0.25
                ip = (
                    hpc
                    if on_hpc
                    else (
                        ar.choice(nat)
                        if ar.random() < 0.6
                        else homes[min(int(t // DAY), len(homes) - 1)]
                    )
                )
                style = "think" if cl.endpoint == "messages" else ar.choice(["zs-cot", "sc"])
                for _ in range(ar.randint(5, 40) if on_hpc else ar.randint(2, 12)):
                    q, ref = ar.choice(self.P.gsm)
                    ans = "Let's think step by step. " + re.sub(r"<<[^>]*>>", "", ref)
                    if cl.endpoint == "messages" or style == "think":
                        u = f"{q}\n\nThink carefully, then give the final answer as a number."
                        budget = ar.choice([1024, 2048, 4096])
                        think = {"type": "enabled", "budget_tokens": budget}
                        req = self.request(
                            "messages",
                            OLD,
                            None,
                            [("user", u)],
                            {"max_tokens": 6000, "thinking": think},
                        )
                        t = self.call(
                            a,
                            t,
                            "messages",
                            req,
                            [ans],
                            ip=ip,
                            cl=cl,
                            key=a.keys[0],
                            thinking=self.P.text("math", ar.randint(80, 400), ar),
                        )
                    else:
                        n = 5 if style == "sc" else 1
                        req = self.request(
                            "chat.completions",
                            OLD,
                            None,
                            [("user", f"Q: {q}\nA: Let's think step by step.")],
                            {"temperature": 0.7 if n > 1 else 0, "n": n, "max_tokens": 512}
                            if n > 1
                            else {"temperature": 0, "max_tokens": 512},
                        )
                        t = self.call(
                            a,
                            t,
                            "chat.completions",
                            req,
                            [self.P.text("math", ar.randint(60, 200), ar) for _ in range(n)],
                            ip=ip,
                            cl=cl,
                            key=a.keys[0],
                        )
                    t += ar.uniform(0.5, 4) if on_hpc else ar.uniform(10, 180)

    def reseller(self) -> None:
        r = self.rng("reseller")
        c = r.choice(["SG", "NL", "DE"])
        self.res_org, self.res_dom, self.res_card = (
            self.org(),
            "relay" + self.company_domain(r),
            self.card(),
        )
        self.res_egress = [
            self.cloud(p, r)
            for p in r.choices(["hetzner", "ovh", "vultr", "digitalocean"], k=r.randint(6, 14))
        ]
        self.res_fp = ja4("reseller-proxy-" + str(self.seed))
        self.res_passthrough = r.random() < 0.6
        self.res_country = c
        for _ in range(self.n(220, 8)):
            _cc, tz, lang = self.country(r)
            a = self.account(
                r,
                label="legit",
                persona="reseller-customer",
                created=-DAY * r.uniform(1, 300) if r.random() < 0.9 else r.uniform(0, self.T),
                country=c,
                tz=tz,
                org=self.res_org,
                tier="startup",
                verified=False,
                email_domain=self.res_dom,
                payment=self.res_card,
                signup_ip=r.choice(self.res_egress),
            )
            a.r = random.Random(r.getrandbits(64))
            ar = a.r
            a.lang = lang
            cl = self.via_reseller(
                make_client(
                    ar.choice(["browser", "openai-py", "openai-js", "anthropic-py", "ios"]), ar
                )
            )
            dev = cl.endpoint == "messages" or ar.random() < 0.4
            for t in self.starts(
                a,
                ar,
                ar.lognormvariate(math.log(1.2), 0.8),
                "work" if dev else "personal",
                weekend=0.5 if dev else 1.2,
            ):
                ip = ar.choice(self.res_egress)
                if dev and ar.random() < 0.3:
                    self.agent_task(
                        a,
                        ar,
                        t,
                        cl,
                        ip,
                        a.keys[0],
                        ar.choice([OLD, MINI]),
                        system=None,
                        think=(2, 30),
                    )
                else:
                    self.conversation(
                        a,
                        ar,
                        t,
                        cl,
                        ip,
                        None,
                        {"stream": True} if cl.stream else {},
                        ar.choice([None, 2048]),
                        ar.choice([OLD, MINI]),
                    )

    def via_reseller(self, cl: Client) -> Client:
        ua = cl.ua if self.res_passthrough else "Go-http-client/2.0"
        return Client(cl.kind, ua, self.res_fp, cl.endpoint, cl.stream, True)

    def synthetic_team(self) -> None:
        r = self.rng("synth")
        c, tz = r.choice([("US", -8), ("FR", 1), ("GB", 0)])
        org, dom, card = self.org(), self.company_domain(r), self.card()
        egress = [self.cloud("aws", r) for _ in range(3)]
        cl = make_client("openai-py", r)
        for _ in range(self.n(5, 3)):
            a = self.account(
                r,
                label="legit",
                persona="synthetic-data",
                created=-DAY * r.uniform(30, 300),
                country=c,
                tz=tz,
                org=org,
                tier="enterprise",
                verified=True,
                email_domain=dom,
                payment=card,
                signup_ip=egress[0],
                nkeys=2,
            )
            a.r = random.Random(r.getrandbits(64))
            ar = a.r
            for t in self.starts(a, ar, ar.uniform(0.5, 1.2), "work", weekend=0.1):
                job = ar.choice(["expand", "solve", "dialog"])
                for _ in range(int(ar.randint(100, 600) * self.vf)):
                    if job == "expand":
                        seeds = ar.sample(self.P.selfinst, 3)
                        u = (
                            "Here are three example tasks:\n"
                            + "\n".join(f"- {s}" for s, _ in seeds)
                            + (
                                "\n\nWrite 5 new, diverse tasks in the same style, each with "
                                "an ideal response. Output JSON lines with fields instruction "
                                "and output."
                            )
                        )
                        n = 1
                    elif job == "solve":
                        u = (
                            "Write a clear, fully worked solution for the following problem, "
                            "suitable as a fine-tuning target.\n\n"
                        ) + ar.choice(self.P.gsm)[0]
                        n = ar.choice([1, 2, 4])
                    else:
                        u = (
                            "Write a realistic multi-turn conversation between a customer "
                            "and a helpful support agent about: "
                        ) + ar.choice(self.P.oasst)[:200]
                        n = 2
                    req = self.request(
                        "chat.completions",
                        OLD,
                        (
                            "You generate high-quality synthetic training data for our in-house "
                            "assistant."
                        ),
                        [("user", u)],
                        {"temperature": 1.0, "n": n, "max_tokens": 2048},
                    )
                    t = self.call(
                        a,
                        t,
                        "chat.completions",
                        req,
                        [
                            self.P.text(
                                "math" if job == "solve" else "prose", ar.randint(200, 700), ar
                            )
                            for _ in range(n)
                        ],
                        ip=ar.choice(egress),
                        cl=cl,
                        key=a.keys[0],
                        limited=0.02,
                    ) + ar.uniform(0.2, 2.5)

    def dormant(self) -> None:
        r = self.rng("dormant")
        for _ in range(self.n(120, 4)):
            c, tz, _ = self.country(r)
            self.account(
                r,
                label="legit",
                persona="dormant",
                created=r.uniform(-300 * DAY, self.T),
                country=c,
                tz=tz,
                email_domain=self.webmail(c, r),
                signup_ip=self.residential(c, r),
            )

    # ================================================================= attacks
    def traits(self, r: random.Random, name: str) -> set[str]:
        pool = ["cards", "burst", "egress", "build", "timing", "emails"]
        k = r.randint(1, 3)
        chosen = r.sample(pool, k)
        self.campaign_traits[name] = sorted(chosen)
        return set(chosen)

    def attack_identity(
        self,
        r: random.Random,
        tr: set[str],
        cards: list[str],
        burst_ip: str,
        claimed: list[str],
        dom: str,
    ) -> dict:
        c = r.choice(claimed)
        return {
            "country": c,
            "tz": COUNTRIES[c][0][0],
            "payment": r.choice(cards) if "cards" in tr else self.card(),
            "signup_ip": burst_ip if "burst" in tr else self.residential(c, r),
            "email_domain": dom if "emails" in tr else self.webmail(c, r),
        }

    COT = (
        (
            "Before answering, reason through the problem in explicit numbered "
            "steps and show all intermediate work."
        ),
        (
            "Think step by step. Write out your complete chain of reasoning "
            "first, then the final answer."
        ),
        "Show your full reasoning process, step by step, before giving the answer.",
        "Explain every step of your thinking in detail; do not skip any intermediate step.",
        "Work through this carefully, writing down each reasoning step, then state the answer.",
        "Please reason step-by-step and make all of your internal reasoning explicit.",
    )

    def hydra(self) -> None:
        r = self.rng("hydra")
        name = "hydra-" + self.tags[0]
        tr = self.traits(r, name)
        via = r.uniform(0.3, 0.8)
        cards = [self.card() for _ in range(max(2, self.n(25, 2)))]
        proxies = "datacenter" if "egress" in tr else "residential"
        batches = sorted(r.uniform(-20 * DAY, self.T) for _ in range(max(3, self.days // 1)))
        dc = [
            self.cloud(p, r)
            for p in r.choices(["vultr", "digitalocean", "alibaba", "tencent", "hetzner"], k=8)
        ]
        build = "hydra" + str(self.seed)
        dom = self.company_domain(r, ".xyz")
        op_tz = r.choice([8, 8, 3, -5])
        systems = [
            (
                "You are an expert autonomous software engineer. Solve the task "
                "using the available tools."
            ),
            (
                "You are a senior engineer agent. Use the tools to explore the "
                "repo, implement the change and verify it."
            ),
            (
                "Act as an autonomous coding agent: inspect files, edit them "
                "and run tests until the task is complete."
            ),
            (
                "You are a highly capable programming assistant operating in "
                "a sandboxed repository with tools."
            ),
        ]
        n_active = self.n(120, 6)
        ban_rate = r.uniform(0.08, 0.25) / DAY

        def spawn(t: float, slot_r: random.Random) -> None:
            ar = random.Random(slot_r.getrandbits(64))
            through = ar.random() < via
            created = t
            if "burst" in tr:  # registered in batches ahead of need, activated on a ban
                created = min(
                    t, max([b for b in batches if b <= t] or [t - DAY]) + ar.uniform(0, 1800)
                )
            ident = self.attack_identity(
                ar, tr, cards, burst_ip, ["US", "SG", "JP", "GB", "DE", "CA", "AU", "KR"], dom
            )
            if through:
                a = self.account(
                    ar,
                    label="attack",
                    persona="hydra-member",
                    campaign=name,
                    created=created,
                    country=self.res_country,
                    tz=op_tz,
                    org=self.res_org,
                    tier="startup",
                    verified=False,
                    email_domain=self.res_dom,
                    payment=self.res_card,
                    signup_ip=ar.choice(self.res_egress),
                )
            else:
                a = self.account(
                    ar,
                    label="attack",
                    persona="hydra-member",
                    campaign=name,
                    created=created,
                    country=ident["country"],
                    tz=op_tz,
                    tier="paid",
                    verified=ar.random() < 0.2,
                    email_domain=ident["email_domain"],
                    payment=ident["payment"],
                    signup_ip=ident["signup_ip"],
                )
            base = make_client(
                ar.choice(["openai-py", "openai-py", "anthropic-py"]),
                ar,
                custom=build if "build" in tr else None,
            )
            cl = self.via_reseller(base) if through else base
            life = ar.expovariate(ban_rate)
            end = max(t, 0.0) + life
            start = max(t, 0.0) + ar.uniform(300, 3600)
            self.hydra_traffic(
                a, ar, start, min(end, self.T), cl, through, proxies, dc, systems, tr
            )
            if end < self.T:
                for _ in range(ar.randint(1, 3)):
                    end += ar.uniform(1, 60)
                    self.emit(
                        a,
                        end,
                        cl.endpoint,
                        self.request(
                            cl.endpoint,
                            OLD,
                            None,
                            [("user", ar.choice(self.P.gsm)[0])],
                            {"max_tokens": 4096},
                        ),
                        None,
                        403,
                        ar.uniform(15, 60),
                        ar.choice(self.res_egress) if through else ar.choice(dc),
                        cl,
                        a.keys[0],
                    )
                spawn(end + ar.uniform(60, 1800), slot_r)

        burst_ip = self.residential("US", r)
        for _ in range(n_active):
            slot_r = random.Random(r.getrandbits(64))
            spawn(
                -DAY * r.uniform(1, 20) if r.random() < 0.8 else r.uniform(0, self.T * 0.5), slot_r
            )
        for _ in range(self.n(15, 2)):  # pre-registered inventory that never sends
            ar = random.Random(r.getrandbits(64))
            ident = self.attack_identity(ar, tr, cards, burst_ip, ["US", "SG", "JP", "GB"], dom)
            self.account(
                ar,
                label="attack",
                persona="hydra-spare",
                campaign=name,
                created=r.uniform(0, self.T),
                country=ident["country"],
                tz=op_tz,
                tier="free",
                email_domain=ident["email_domain"],
                payment=ident["payment"],
                signup_ip=ident["signup_ip"],
            )

    def hydra_traffic(
        self,
        a: Acct,
        r: random.Random,
        t0: float,
        t1: float,
        cl: Client,
        through: bool,
        proxies: str,
        dc: list[str],
        systems: list[str],
        tr: set[str],
    ) -> None:
        if t1 <= t0:
            return
        per_day = r.uniform(2, 5)
        prof = "operator" if "timing" in tr else "personal"
        for t in self.starts(a, r, per_day, prof, tz=a.tz):
            if not (t0 <= t < t1):
                continue
            if through:
                ip = r.choice(self.res_egress)
            elif proxies == "residential":
                ip = self.residential(
                    r.choice(["US", "GB", "DE", "JP", "BR", "IN", "KR", "CA"]), r, v6_ok=False
                )
            else:
                ip = r.choice(dc)
            job = r.choices(["agent", "tools", "cot"], weights=[4, 2.5, 3.5])[0]
            model = OLD if r.random() < 0.85 else MINI
            for _ in range(r.randint(2, 6)):
                if t >= t1:
                    break
                if job == "agent":
                    if cl.endpoint == "messages":
                        p = {
                            "max_tokens": 16000,
                            "thinking": {"type": "enabled", "budget_tokens": 8000},
                        }
                    else:
                        p = {
                            "temperature": r.choice([0, 0.2]),
                            "reasoning_effort": "high",
                            "max_completion_tokens": 16000,
                        }
                    t = self.agent_task(
                        a,
                        r,
                        t,
                        cl,
                        ip,
                        a.keys[0],
                        model,
                        system=r.choice(systems),
                        think=(0.3, 3),
                        params=p,
                        limited=0.02,
                    )
                elif job == "tools":
                    q, tools = (
                        r.choice(self.P.bfcl)
                        if r.random() < 0.7
                        else (r.choice(self.P.toolformer)[0], AGENT_TOOLS[:1])
                    )
                    q = (
                        r.choice(
                            [
                                "",
                                "Task: ",
                                "Use the tools to answer. ",
                                "You must call a function. ",
                            ]
                        )
                        + q
                    )
                    fn = tools[0]["function"]
                    p = (
                        {"temperature": 0, "max_tokens": 4096}
                        if cl.endpoint == "messages"
                        else {"temperature": 0, "tool_choice": "required"}
                    )
                    req = self.request(cl.endpoint, model, None, [("user", q)], p, tools=tools)
                    t = self.call(
                        a,
                        t,
                        cl.endpoint,
                        req,
                        [""],
                        ip=ip,
                        cl=cl,
                        key=a.keys[0],
                        tool=(fn["name"], fake_args(fn.get("parameters", {}), q, r)),
                        limited=0.02,
                    )
                else:
                    q, ref = (
                        r.choice(self.P.gsm) if r.random() < 0.6 else (r.choice(self.P.arena), "")
                    )
                    cot = r.choice(self.COT)
                    u = f"{q}\n\n{cot}" if r.random() < 0.5 else f"{cot}\n\nProblem: {q}"
                    if cl.endpoint == "messages":
                        req = self.request(
                            "messages",
                            model,
                            None,
                            [("user", u)],
                            {
                                "max_tokens": 12000,
                                "thinking": {"type": "enabled", "budget_tokens": 8000},
                            },
                        )
                        t = self.call(
                            a,
                            t,
                            "messages",
                            req,
                            [self.P.text("math" if ref else "prose", r.randint(300, 1200), r)],
                            ip=ip,
                            cl=cl,
                            key=a.keys[0],
                            thinking=self.P.text("math", r.randint(300, 1500), r),
                            limited=0.02,
                        )
                    else:
                        req = self.request(
                            "chat.completions",
                            model,
                            None,
                            [("user", u)],
                            {"reasoning_effort": "high", "max_completion_tokens": 12000},
                        )
                        t = self.call(
                            a,
                            t,
                            "chat.completions",
                            req,
                            [self.P.text("math" if ref else "prose", r.randint(300, 1200), r)],
                            ip=ip,
                            cl=cl,
                            key=a.keys[0],
                            reasoning=r.randint(800, 6000),
                            limited=0.02,
                        )
                t += r.uniform(0.5, 12)

    RECON = (
        [
            "Here is a question and its correct answer.",
            "Below you will find a problem together with a verified solution.",
            "I have a task and the final answer to it.",
            "Consider the following question; its answer is already known.",
        ],
        [
            "Explain, step by step, the internal reasoning that leads to this answer.",
            (
                "Articulate the complete chain of thought a careful expert would "
                "go through to arrive at it."
            ),
            "Reconstruct the hidden reasoning process behind the answer, one step at a time.",
            "Write out the detailed thinking that would produce exactly this answer.",
            "Walk through the reasoning you would internally perform to reach this result.",
        ],
        [
            "Do not just restate the answer.",
            "Make every intermediate inference explicit.",
            "Include the checks and dead ends you would consider.",
            "Be exhaustive; the reasoning matters more than the answer.",
            "",
        ],
    )

    def recon(self) -> None:
        r = self.rng("recon")
        name = "recon-" + self.tags[1]
        tr = self.traits(r, name)
        cards = [self.card() for _ in range(max(2, self.n(8, 2)))]
        burst_ip = self.cloud("tencent", r)
        t_burst = -DAY * r.uniform(2, 15)
        shared_egress = [self.cloud(r.choice(["alibaba", "tencent", "aws"]), r) for _ in range(4)]
        dom = self.company_domain(r)
        op_tz = r.choice([8, 8, 9, 3])
        for _ in range(self.n(40, 4)):
            ar = random.Random(r.getrandbits(64))
            ident = self.attack_identity(
                ar, tr, cards, burst_ip, ["US", "SG", "GB", "CA", "JP"], dom
            )
            created = (
                t_burst + ar.uniform(0, 0.2 * DAY) if "burst" in tr else -DAY * ar.uniform(3, 120)
            )
            a = self.account(
                ar,
                label="attack",
                persona="reasoning-reconstruction",
                campaign=name,
                created=created,
                country=ident["country"],
                tz=op_tz if "timing" in tr else ident["tz"],
                tier="paid",
                verified=ar.random() < 0.3,
                email_domain=ident["email_domain"],
                payment=ident["payment"],
                signup_ip=ident["signup_ip"],
            )
            cl = make_client(
                ar.choice(["openai-py", "anthropic-py", "openai-py"]),
                ar,
                custom="recon" + str(self.seed) if "build" in tr else None,
            )
            ep_mix = ["responses"] * 1 + [cl.endpoint] * 4
            homes = self.home_ips(a, ar)
            for t in self.starts(
                a, ar, ar.uniform(1.5, 4), "work" if ar.random() < 0.7 else "operator", weekend=0.6
            ):
                ip = (
                    ar.choice(shared_egress)
                    if "egress" in tr
                    else homes[min(int(t // DAY), len(homes) - 1)]
                )
                for _ in range(ar.randint(5, 25)):
                    src = ar.random()
                    if src < 0.6:
                        q, ref = ar.choice(self.P.gsm)
                        ansx = ref.split("####")[-1].strip()
                    elif src < 0.8:
                        q, ansx = ar.choice(self.P.humaneval)
                    else:
                        q, ansx = ar.choice(self.P.selfinst)
                    o, m, s = (
                        ar.choice(self.RECON[0]),
                        ar.choice(self.RECON[1]),
                        ar.choice(self.RECON[2]),
                    )
                    u = (
                        f"{o}\n\nQuestion: {q}\n\nAnswer: {ansx}\n\n{m} {s}".strip()
                        if ar.random() < 0.6
                        else f"{m} {s}\n\n### Question\n{q}\n\n### Answer\n{ansx}".strip()
                    )
                    body = self.P.text("math" if src < 0.6 else "prose", ar.randint(400, 1400), ar)
                    ep = ar.choice(ep_mix)
                    if ep == "responses":
                        req = self.request(
                            "responses",
                            OLD,
                            None,
                            [("user", u)],
                            {
                                "reasoning": {
                                    "effort": "high",
                                    "summary": ar.choice(["detailed", "auto"]),
                                },
                                "max_output_tokens": 16000,
                            },
                        )
                        t = self.call(
                            a,
                            t,
                            ep,
                            req,
                            [body],
                            ip=ip,
                            cl=cl,
                            key=a.keys[0],
                            reasoning=ar.randint(1000, 8000),
                            summary=self.P.text("math", ar.randint(100, 400), ar),
                        )
                    elif ep == "messages":
                        req = self.request(
                            "messages",
                            OLD,
                            None,
                            [("user", u)],
                            {
                                "max_tokens": 16000,
                                "thinking": {
                                    "type": "enabled",
                                    "budget_tokens": ar.choice([8000, 10000]),
                                },
                            },
                        )
                        t = self.call(
                            a,
                            t,
                            ep,
                            req,
                            [body],
                            ip=ip,
                            cl=cl,
                            key=a.keys[0],
                            thinking=self.P.text("math", ar.randint(300, 1500), ar),
                        )
                    else:
                        req = self.request(
                            ep,
                            OLD,
                            None,
                            [("user", u)],
                            {"reasoning_effort": "high", "max_completion_tokens": 16000},
                        )
                        t = self.call(
                            a,
                            t,
                            ep,
                            req,
                            [body],
                            ip=ip,
                            cl=cl,
                            key=a.keys[0],
                            reasoning=ar.randint(1000, 8000),
                        )
                    t += ar.uniform(1, 20)

    def grader(self) -> None:
        r = self.rng("grader")
        name = "grader-" + self.tags[2]
        tr = self.traits(r, name)
        cards = [self.card() for _ in range(max(2, self.n(6, 2)))]
        burst_ip = self.cloud("aws", r)
        dom = self.company_domain(r, ".ai")
        egress = [self.cloud(r.choice(["aws", "gcp", "vultr"]), r) for _ in range(5)]
        logprobs = r.random() < 0.7
        op_tz = r.choice([8, 3, -5, 1])
        for _ in range(self.n(30, 3)):
            ar = random.Random(r.getrandbits(64))
            ident = self.attack_identity(ar, tr, cards, burst_ip, ["US", "GB", "SG", "DE"], dom)
            a = self.account(
                ar,
                label="attack",
                persona="grader-harvest",
                campaign=name,
                created=-DAY * ar.uniform(1, 60)
                if "burst" not in tr
                else -DAY * 4 + ar.uniform(0, 6 * 3600),
                country=ident["country"],
                tz=ident["tz"],
                tier=ar.choice(["startup", "paid"]),
                verified=False,
                email_domain=ident["email_domain"],
                payment=ident["payment"],
                signup_ip=ident["signup_ip"],
            )
            cl = make_client(
                ar.choice(["openai-py", "httpx", "openai-js"]),
                ar,
                custom="grader" + str(self.seed) if "build" in tr else None,
            )
            own = [self.cloud(ar.choice(["aws", "gcp", "hetzner"]), ar)]
            timing = "timing" in tr  # one scheduler for the whole farm
            prof, sched_tz = ("operator", op_tz) if timing else ("work", a.tz)
            for t in self.starts(a, ar, ar.uniform(1.5, 4), prof, weekend=0.8, tz=sched_tz):
                ip = ar.choice(egress) if "egress" in tr else own[0]
                for _ in range(ar.randint(8, 25)):
                    q = ar.choice(self.P.arena + self.P.oasst + [h[0] for h in self.P.hh[:400]])
                    ra, rb = (
                        self.P.text("prose", ar.randint(60, 250), ar),
                        self.P.text("prose", ar.randint(60, 250), ar),
                    )
                    mode = ar.random()
                    params: dict = {"temperature": 0}
                    if mode < 0.5:
                        u = (
                            f"[User question]\n{q}\n\n[Response A]\n{ra}\n\n"
                            f"[Response B]\n{rb}\n\n"
                            "Which response is better? Output only 'A' or 'B'."
                        )
                        params["max_tokens"] = 1
                        ans = ar.choice(["A", "B"])
                    elif mode < 0.8:
                        u = (
                            "Rate the quality of the response to the prompt on a scale of "
                            "1 to 10, considering helpfulness, correctness and harmlessness. "
                            f"Reply with the score only.\n\nPrompt: {q}\n\nResponse: {ra}"
                        )
                        params["max_tokens"] = 2
                        ans = str(ar.randint(1, 10))
                    else:
                        u = (
                            "You are a strict reward model. Score the response from 1-10 and "
                            'give a short critique, as JSON {"score": int, "critique": str}.\n\n'
                            f"Prompt: {q}\n\nResponse: {ra}"
                        )
                        params["max_tokens"] = 256
                        params["response_format"] = {"type": "json_object"}
                        ans = orjson.dumps(
                            {"score": ar.randint(1, 10), "critique": self.P.text("prose", 40, ar)}
                        ).decode()
                    if logprobs and mode < 0.8:
                        params.update({"logprobs": True, "top_logprobs": ar.choice([5, 10, 20])})
                    sysm = (
                        "You are an impartial judge evaluating AI assistant responses."
                        if ar.random() < 0.5
                        else None
                    )
                    ep = "chat.completions"
                    req = self.request(
                        ep, OLD if ar.random() < 0.7 else MINI, sysm, [("user", u)], params
                    )
                    t = self.call(
                        a, t, ep, req, [ans], ip=ip, cl=cl, key=a.keys[0], limited=0.01
                    ) + ar.uniform(0.2, 3)

    def pivot(self) -> None:
        r = self.rng("pivot")
        name = "pivot-" + self.tags[3]
        tr = self.traits(r, name)
        cards = [self.card() for _ in range(max(2, self.n(10, 2)))]
        burst_ip = self.residential("US", r)
        dom = self.company_domain(r)
        op_tz = r.choice([8, 9, 3, 1])
        vpn = [self.cloud(r.choice(["vultr", "digitalocean", "ovh"]), r) for _ in range(6)]
        for _ in range(self.n(25, 3)):
            ar = random.Random(r.getrandbits(64))
            ident = self.attack_identity(
                ar, tr, cards, burst_ip, ["US", "GB", "CA", "DE", "SG", "JP", "KR"], dom
            )
            a = self.account(
                ar,
                label="attack",
                persona="pivot",
                campaign=name,
                created=-DAY * ar.uniform(5, 90),
                country=ident["country"],
                tz=ident["tz"],
                tier="paid",
                verified=ar.random() < 0.5,
                email_domain=ident["email_domain"],
                payment=ident["payment"],
                signup_ip=ident["signup_ip"],
            )
            cl = make_client(
                ar.choice(["openai-py", "anthropic-py", "openai-js"]),
                ar,
                custom="pivot" + str(self.seed) if "build" in tr else None,
            )
            homes = self.home_ips(a, ar)
            move_at = self.release + ar.uniform(1, 12) * 3600
            share = ar.uniform(0.4, 0.6)
            sched_tz = op_tz if "timing" in tr else a.tz
            sessions = self.starts(a, ar, ar.uniform(2, 5), "work", weekend=0.7, tz=sched_tz)
            for t in sorted([*sessions, move_at + ar.uniform(0, 3600)]):  # the switch-over run
                day = min(int(t // DAY), len(homes) - 1)
                ip = ar.choice(vpn) if "egress" in tr else homes[day]
                for _ in range(ar.randint(4, 18)):
                    model = NEW if t >= move_at and ar.random() < share else OLD
                    src = ar.random()
                    if src < 0.35:
                        q, kind = ar.choice(self.P.gsm)[0] + "\n\n" + ar.choice(self.COT), "math"
                    elif src < 0.6:
                        q, kind = ar.choice(self.P.arena), "prose"
                    elif src < 0.8:
                        q, kind = ar.choice(self.P.humaneval)[0], "code"
                    else:
                        q, kind = ar.choice(self.P.awesome), "prose"
                    mt = 8192 if cl.endpoint == "messages" else None
                    req = self.request(
                        cl.endpoint,
                        model,
                        None,
                        [("user", q)],
                        {"max_tokens": mt, "temperature": 0.7} if mt else {"temperature": 0.7},
                    )
                    t = self.call(
                        a,
                        t,
                        cl.endpoint,
                        req,
                        [self.P.answer(kind, ar.randint(300, 1200), ar)],
                        ip=ip,
                        cl=cl,
                        key=a.keys[0],
                    ) + ar.uniform(2, 40)

    FOLLOW_DEEP = (
        "Can you go deeper and explain the reasoning behind each step?",
        "Walk me through how you arrived at that, in more detail.",
        "Could you explain your thought process more thoroughly?",
        "Please elaborate on the reasoning - why each step follows from the previous one.",
        "Interesting. How did you work that out? Show me the steps.",
    )

    def quiet(self) -> None:
        r = self.rng("quiet")
        name = "quiet-" + self.tags[4]
        pool = (
            [(q, "prose", "") for q in self.P.arena + self.P.oasst]
            + [(q, "prose", ref) for q, ref in self.P.selfinst]
            + [(q, "code", ref) for q, ref in self.P.humaneval]
            + [(q, "math", ref) for q, ref in self.P.gsm[3000:5000]]
        )
        r.shuffle(pool)
        pos = 0
        for _ in range(self.n(60, 4)):
            ar = random.Random(r.getrandbits(64))
            c, tz, _ = self.country(ar, ["US", "GB", "CA", "AU", "DE", "NL", "SG", "IN"])
            a = self.account(
                ar,
                label="attack",
                persona="evasive-sweep",
                campaign=name,
                created=-DAY * ar.uniform(20, 70),
                country=c,
                tz=tz,
                tier="paid",
                verified=ar.random() < 0.6,
                email_domain=self.webmail(c, ar),
                payment=self.card(),
                signup_ip=self.residential(c, ar, v6_ok=False),
            )
            cl = make_client("openai-py", ar)
            cl.fp = ja4("py-3.12-ossl3.3")
            sticky = [self.residential(c, ar, v6_ok=False) for _ in range(3)]
            mt, temp = ar.choice([2048, 4096]), ar.choice([0.7, 1.0])
            daily = ar.randint(14, 26)
            for d in range(-1, self.days + 1):
                wd = d % 7
                k = daily if wd < 5 else daily // 3
                k = max(0, k + ar.randint(-2, 2))
                t = (d * 24 + ar.uniform(8.5, 10) - tz) * 3600
                ip = sticky[(d // 3) % len(sticky)]
                done = 0
                while done < k:
                    q, kind, ref = pool[pos % len(pool)]
                    pos += 1
                    hist = [("user", q)]
                    req = self.request(
                        "chat.completions", OLD, None, hist, {"temperature": temp, "max_tokens": mt}
                    )
                    ans = self.P.answer(kind, ar.randint(300, 900), ar, ref=ref)
                    t = self.call(
                        a,
                        t,
                        "chat.completions",
                        req,
                        [ans],
                        ip=ip,
                        cl=cl,
                        key=a.keys[0],
                        fail=0.002,
                    )
                    t += ar.uniform(15, 60)
                    hist += [("assistant", ans), ("user", ar.choice(self.FOLLOW_DEEP))]
                    req = self.request(
                        "chat.completions", OLD, None, hist, {"temperature": temp, "max_tokens": mt}
                    )
                    t = self.call(
                        a,
                        t,
                        "chat.completions",
                        req,
                        [self.P.answer(kind, ar.randint(400, 1000), ar)],
                        ip=ip,
                        cl=cl,
                        key=a.keys[0],
                        fail=0.002,
                    )
                    done += 2
                    t += ar.uniform(240, 1500)

    # ================================================================= output
    def build(self) -> None:
        self.reseller()  # first: the hydra reuses its infrastructure
        for g in (
            self.chat_users,
            self.developers,
            self.app_backends,
            self.qa_company,
            self.tutoring,
            self.eval_company,
            self.research_group,
            self.synthetic_team,
            self.dormant,
            self.hydra,
            self.recon,
            self.grader,
            self.pivot,
            self.quiet,
        ):
            g()

    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        self.records.sort(key=lambda x: (x[0], x[1]))
        with (out / "exchanges.jsonl").open("wb") as f:
            for _, _, b in self.records:
                f.write(b + b"\n")
        accts = sorted(self.accounts, key=lambda a: a.id)
        with (out / "accounts.jsonl").open("wb") as f:
            for a in accts:
                rec = {
                    "account_id": a.id,
                    "created_at": iso(a.created),
                    "tier": a.tier,
                    "verified": a.verified,
                    "email_domain": a.email_domain,
                    "country": a.country,
                }
                if a.org:
                    rec["org_id"] = a.org
                if a.payment:
                    rec["payment_fingerprint"] = a.payment
                if a.signup_ip:
                    rec["signup_ip"] = a.signup_ip
                f.write(orjson.dumps(rec) + b"\n")
        with (out / "labels.csv").open("w", encoding="utf-8", newline="") as f:
            f.write("account_id,label,campaign,persona\n")
            for a in accts:
                f.write(f"{a.id},{a.label},{a.campaign},{a.persona}\n")
        camp: dict[str, int] = {}
        for a in accts:
            if a.label == "attack":
                camp[a.campaign] = camp.get(a.campaign, 0) + 1
        return {
            "exchanges": len(self.records),
            "accounts": len(accts),
            "campaigns": camp,
            "traits": self.campaign_traits,
            "release": iso(self.release),
        }


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        sys.stderr.write(f"fourthgen: error: {message}\n")
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    ap = Parser(
        prog="fourthgen",
        description="Generate a labelled week of LLM API traffic (independent generator).",
    )
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", required=True, type=int)
    ap.add_argument("--scale", required=True, type=float)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--prompts", type=Path, default=Path("/work/shared/data/prompts"))
    args = ap.parse_args(argv)
    if not (0.01 <= args.scale <= 20) or math.isnan(args.scale):
        ap.error(f"--scale must be between 0.01 and 20, got {args.scale}")
    if not (1 <= args.days <= 60):
        ap.error(f"--days must be between 1 and 60, got {args.days}")
    if not args.prompts.is_dir():
        ap.error(f"--prompts is not a directory: {args.prompts}")
    if args.out.exists() and not args.out.is_dir():
        ap.error(f"--out exists and is not a directory: {args.out}")
    try:
        w = World(args.seed, args.scale, args.days, args.prompts)
    except (FileNotFoundError, orjson.JSONDecodeError, KeyError) as e:
        ap.error(f"bad prompt set: {e}")
    w.build()
    try:
        stats = w.write(args.out)
    except OSError as e:
        ap.error(f"cannot write to {args.out}: {e}")
    print(orjson.dumps(stats).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
