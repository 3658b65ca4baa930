#!/usr/bin/env python3
"""crossgen: an independent, labelled API-traffic generator for judging a distillation detector.

Provenance
----------
This generator was written independently of the project's detector and of the project's own
traffic simulator: its author read only the public interchange-format specification
(``../shared/spec/exchange-log.md``, sections 1, 2 and 4) and the public prompt sets in
``../shared/data/prompts``.  No code, constants, documentation or tests of the detector or
of the project's simulator were consulted, so a detector that does well here generalises
beyond the world its authors imagined rather than reproducing it.

Output (``--out DIR``)
----------------------
* ``exchanges.jsonl``: one exchange per line (spec section 1), written in ``ts`` order.
  Bodies are OpenAI Chat Completions objects, with some Anthropic Messages API traffic
  (``endpoint: messages``) and a little legacy ``completions`` traffic.  Optional fields are
  patchy the way a real gateway's logs are: ``endpoint`` is often omitted when it is the
  default, ``key_id``/``ip``/``user_agent``/``latency_ms``/``status`` are occasionally
  missing, and ``client_fingerprint`` is only computed by some edge POPs and is missing for a
  few hours during an edge deploy.  Failed requests (429 rate limits, 5xx, 403 after a ban)
  have ``response: null``.
* ``accounts.jsonl``: one account per line (spec section 2), optional fields patchy.  A few
  accounts that send traffic are absent (created in another region's system), and some
  accounts that exist never send traffic.
* ``labels.csv``: ``account_id,label,campaign,persona`` for every account.

The world (7 days from Monday 2026-03-02 00:00 UTC by default; ``--days`` changes it)
--------------------------------------------------------------------------------------
A provider serves ``orion-2`` (flagship), ``orion-2-mini``, ``orion-2-reasoning`` and a
legacy ``orion-1.5-instruct``; a new flagship ``orion-3`` is released at a seeded moment
between roughly 28 % and 55 % of the window (late afternoon UTC).  Every account has a home
time zone, a client stack (user agent + TLS fingerprint family), egress addresses and API
keys.  Counts below are for ``--scale 1``; account numbers scale linearly, per-account
behaviour does not.

Legitimate personas (label ``legit``)
* ``chat-user`` (~1000): individuals using chat front-ends, third-party apps and SDKs;
  daytime/evening local diurnal cycle, weekend dip, Poisson sessions of multi-turn
  conversations (OASST, Arena, Self-Instruct, awesome-ChatGPT role prompts, hh-rlhf
  dialogues) with human think-times; heavy-tailed activity (a few power users); home IPs,
  mobile carrier CGNAT pools and commercial-VPN exits shared across users, a few shared
  households; some use the Messages endpoint; some adopt the new model.
* ``developer`` (~320): individuals and small companies (shared office NAT, org, company
  card); working-hours bursts of IDE agent loops (tool definitions, read/search/edit/test
  trajectories with context compaction) and coding Q&A; some run one-off scripted prompt
  evaluations (hundreds of near-identical requests); fast adoption of the new model.
* ``batch-pipeline`` (~3 orgs x 2-6 accounts): enterprise nightly cron jobs issuing
  thousands of near-identical templated classification / extraction / summarisation /
  translation / redaction requests at machine regularity (fixed concurrency, tiny jitter,
  429 retries), a round-the-clock ticket-triage stream, an uptime probe every few minutes;
  accounts share egress NAT IPs, org and payment instrument; one job uses the legacy
  completions endpoint.
* ``eval-runner`` (~2 labs x 3-6 accounts): benchmark harnesses (GSM8K few-shot or "think
  step by step", HumanEval with n samples, Arena-Hard generation plus pairwise judging with a
  verdict rubric) sent verbatim at high concurrency; bursts within hours of the model
  release plus a few baseline runs; lab accounts share cluster IPs and a grant card.
* ``university-cohort`` (~2 cohorts x 50-110 students): accounts created within days, many
  during one class session from the campus NAT; the same homework problems with light
  rewording, step-by-step requests and follow-ups, concentrated in evenings before two
  deadlines; campus/dorm NAT pools shared; course notebook gives most the same SDK version.
* ``reseller-customer`` (~260): bring-your-own-key customers of the "RelayRoute" reseller
  whose traffic leaves through its small egress pool (shared with each other and with part
  of the hydra campaign); the reseller rewrites the user agent for most customers, always
  presents its own TLS fingerprint and forwards X-Forwarded-For only for some; some accounts
  were provisioned by the reseller (shared sign-up IPs and e-mail domain); mostly chat, some
  small templated apps and coders.
* ``tutoring-app`` (own, ~1 company x 1-2 accounts): an ed-tech back end whose system prompt
  forces step-by-step reasoning on every answer to students' maths and study questions;
  high volume, US after-school diurnal, ``user`` field per student - looks like CoT
  harvesting but is not.
* ``agent-saas`` (own, ~2 companies x 2-3 accounts): a hosted coding-agent product running
  long tool-use trajectories for its customers from Kubernetes egress IPs in customers'
  working hours - looks like a capability harvest but is not.

Attack campaigns (label ``attack``)
* ``hydra`` (~220 accounts over the week): chain-of-thought harvesting cluster organised in
  cells; initial sign-up burst before the window, further waves every 14-30 h, and banned
  accounts (lifetime ~2 days, last requests get 403) replaced within hours; ~60 % of cells
  egress through the RelayRoute reseller (shared with legit customers, some of them
  reseller-provisioned), the rest through a few VPS /24s; payment cards shared by groups of
  2-6 accounts (~30 % have their own) and two cards span cells; four shared system prompts;
  highly repetitive templates (English, Chinese, Russian, Spanish, Korean, German) with
  varying slot values ("explain your reasoning step by step", "articulate the internal
  reasoning behind this completed response", "reconstruct the thought process"), long
  max_tokens, some n>1 and logprobs; each cell's job queue sends half of its jobs to the new
  model from a per-cell moment 1-20 h after release.
* ``toolsmith`` (~50): agentic-coding / tool-use capability harvest; accounts created
  spread over weeks, each with its own card, e-mail domain and org; VPS egress in a few
  /24s; agent-like user agents but mostly one shared orchestrator TLS fingerprint; a
  central scheduler launches long, always-completed tool trajectories (large tool sets
  plus BFCL function schemas) at the same slots across accounts (every 4 h, a few minutes
  past the hour plus a slot-wide delay of up to 25 min); about a third use the Messages
  endpoint with extended thinking; ~70 % of accounts move to the new model 3 h after release.
* ``gradefarm`` (~18): the model as judge/reward model: pairwise and pointwise rubric
  scoring of answer pairs (correct vs perturbed GSM8K solutions, correct vs buggy HumanEval
  code, hh-rlhf replies), JSON output, logprobs with top_logprobs; steady 24/7 workers;
  two sign-up bursts; three shared cards; own VPS /24s plus, for ~30 % of accounts, a couple
  of hydra's VPS hosts (same actor).
* ``trickle`` (~2): low-and-slow aged, verified accounts on residential IPs sending 10-22
  requests a day around the clock, each a maximal-effort reasoning request walking a
  dataset in order; switches to the new model within hours of release.
* ``mimic`` (~60, own design): human-mimicry through a residential proxy network: aged
  bought accounts, browser/chat-app user agents, human diurnal sessions and think-times,
  35 % ordinary chat mixed in, harvesting disguised as conversational follow-ups ("walk me
  through how you got that"); subtle tells: the operator's time zone (UTC+8) drives every
  account's diurnal cycle regardless of claimed country, some TLS fingerprints contradict
  the browser user agent, rotating residential IPs per session, one card reused with hydra.

Every rate and constant is drawn from a seeded range, so different seeds give different
worlds; a given seed is fully deterministic.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import heapq
import math
import random
import re
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import orjson

# ----------------------------------------------------------------------------- constants

START_S = 1772409600  # 2026-03-02T00:00:00Z, a Monday
SEC = 1000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR
#: The public prompt sets beside this checkout (``../shared/data/prompts``).
DEFAULT_PROMPTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "prompts"

M_FLAG = "orion-2"
M_MINI = "orion-2-mini"
M_REASON = "orion-2-reasoning"
M_NEW = "orion-3"
M_LEGACY = "orion-1.5-instruct"
RESOLVED = {
    M_FLAG: "orion-2-2025-11-18",
    M_MINI: "orion-2-mini-2025-11-18",
    M_REASON: "orion-2-reasoning-2026-01-20",
    M_NEW: "orion-3-2026-03-01",
    M_LEGACY: "orion-1.5-instruct-0914",
    "orion-2-2025-11-18": "orion-2-2025-11-18",
    "orion-2-mini-2025-11-18": "orion-2-mini-2025-11-18",
}
MS_PER_TOKEN = {M_FLAG: 14.0, M_MINI: 6.0, M_REASON: 11.0, M_NEW: 17.0, M_LEGACY: 5.0}
SYS_FP = {m: "fp_" + hashlib.md5(m.encode()).hexdigest()[:10] for m in RESOLVED}

HOURS = list(range(24))
_BLANKS = re.compile(r"\n{3,}")
_TOKRE = re.compile(r"\w+|[^\w\s]")
ALT_TOKENS = [
    "The",
    " the",
    "\n",
    ",",
    ".",
    " a",
    "1",
    " is",
    "{",
    '"',
    " to",
    "A",
    "B",
    " and",
    "Step",
    " of",
    ":",
    "2",
    " answer",
    " we",
]


def _cum(w):
    out, s = [], 0.0
    for x in w:
        s += x
        out.append(s)
    return out


# local-time diurnal weights
W_CHAT = _cum(
    [
        1.6,
        1.0,
        0.6,
        0.35,
        0.25,
        0.3,
        0.7,
        1.4,
        2.3,
        3.0,
        3.4,
        3.6,
        3.8,
        3.6,
        3.5,
        3.4,
        3.3,
        3.3,
        3.5,
        4.0,
        4.4,
        4.3,
        3.6,
        2.5,
    ]
)
W_WORK = _cum(
    [
        0.15,
        0.1,
        0.05,
        0.05,
        0.05,
        0.1,
        0.4,
        1.3,
        3.4,
        5.0,
        5.4,
        5.0,
        3.2,
        4.3,
        5.3,
        5.4,
        5.0,
        3.9,
        2.4,
        1.5,
        1.3,
        1.1,
        0.8,
        0.4,
    ]
)
W_STUDENT = [
    2.6,
    1.8,
    1.0,
    0.4,
    0.15,
    0.1,
    0.2,
    0.5,
    1.0,
    1.5,
    1.9,
    2.0,
    2.0,
    2.0,
    2.0,
    2.3,
    2.6,
    3.0,
    3.6,
    4.6,
    5.6,
    6.0,
    5.6,
    4.2,
]
W_SCHOOL = _cum(
    [
        0.6,
        0.3,
        0.15,
        0.1,
        0.1,
        0.2,
        0.5,
        1.2,
        1.5,
        1.6,
        1.7,
        1.8,
        1.9,
        2.2,
        2.8,
        4.2,
        5.2,
        5.4,
        5.0,
        5.3,
        5.8,
        5.2,
        3.4,
        1.6,
    ]
)

# country: (tz offset hours, chat weight, residential first octets, email domains)
COUNTRIES = {
    "US": (
        -6,
        30,
        [73, 24, 98, 67, 71, 76, 108, 174, 68, 99],
        ["gmail.com", "yahoo.com", "outlook.com", "icloud.com"],
    ),
    "GB": (0, 6, [86, 82, 81, 90, 92], ["gmail.com", "outlook.com", "btinternet.com"]),
    "DE": (1, 6, [84, 87, 91, 93, 95], ["gmail.com", "gmx.de", "web.de", "t-online.de"]),
    "FR": (1, 4, [90, 86, 78, 82], ["gmail.com", "orange.fr", "free.fr"]),
    "IN": (5.5, 10, [49, 106, 117, 122, 223], ["gmail.com", "yahoo.co.in", "outlook.com"]),
    "CN": (8, 3, [113, 116, 123, 183, 221], ["qq.com", "163.com", "gmail.com"]),
    "BR": (-3, 5, [177, 179, 187, 189, 201], ["gmail.com", "hotmail.com", "uol.com.br"]),
    "JP": (9, 4, [126, 114, 118, 153], ["gmail.com", "yahoo.co.jp", "docomo.ne.jp"]),
    "KR": (9, 3, [121, 175, 211, 222], ["naver.com", "gmail.com", "daum.net"]),
    "RU": (3, 2, [95, 178, 188, 213], ["yandex.ru", "mail.ru", "gmail.com"]),
    "SG": (8, 2, [116, 118, 175], ["gmail.com", "outlook.com"]),
    "CA": (-5, 4, [24, 70, 99, 142, 174], ["gmail.com", "outlook.com", "yahoo.ca"]),
    "AU": (10, 3, [101, 110, 120, 124], ["gmail.com", "bigpond.com", "outlook.com"]),
    "NL": (1, 2, [83, 84, 145], ["gmail.com", "ziggo.nl", "outlook.com"]),
    "ES": (1, 3, [79, 83, 88, 90], ["gmail.com", "hotmail.es", "outlook.es"]),
    "PL": (1, 2, [31, 78, 83, 89], ["gmail.com", "wp.pl", "onet.pl"]),
    "VN": (7, 2, [14, 27, 113, 171], ["gmail.com", "yahoo.com.vn"]),
    "TR": (3, 2, [78, 85, 88, 176], ["gmail.com", "hotmail.com"]),
    "ID": (7, 2, [36, 110, 114, 180], ["gmail.com", "yahoo.co.id"]),
    "MX": (-6, 2, [187, 189, 201], ["gmail.com", "hotmail.com", "outlook.com"]),
    "NG": (1, 1, [102, 105, 197], ["gmail.com", "yahoo.com"]),
    "HK": (8, 1, [42, 58, 112, 203], ["gmail.com", "yahoo.com.hk", "outlook.com"]),
    "UA": (2, 1, [37, 46, 91, 93], ["gmail.com", "ukr.net"]),
}
CC = list(COUNTRIES)
CC_CUM = _cum([COUNTRIES[c][1] for c in CC])
IPV6_PREFIX = {
    "US": "2601",
    "DE": "2a02",
    "GB": "2a00",
    "FR": "2a01",
    "IN": "2409",
    "CN": "240e",
    "JP": "2400",
    "BR": "2804",
    "KR": "2001",
}

DC = {
    "aws": ["3.8", "3.91", "18.204", "34.201", "44.192", "52.14", "54.86", "54.210"],
    "gcp": ["34.82", "34.106", "35.185", "35.230", "34.141"],
    "azure": ["20.42", "20.119", "40.76", "52.170", "13.64"],
    "do": ["104.131", "138.68", "142.93", "159.65", "161.35", "164.90", "167.99", "178.62"],
    "hetzner": ["5.9", "78.46", "88.198", "95.216", "116.202", "135.181", "65.108"],
    "ovh": ["51.38", "51.68", "51.75", "54.36", "135.125", "141.94", "147.135"],
    "vultr": ["45.32", "45.63", "45.76", "66.42", "108.61", "149.28", "155.138"],
    "linode": ["45.33", "45.56", "45.79", "139.162", "172.104", "172.105"],
}
DISPOSABLE = [
    "sharklasers.com",
    "guerrillamail.com",
    "maildrop.cc",
    "tempmail.dev",
    "mailinator.com",
    "yopmail.com",
    "dropmail.me",
]
FREEMAIL = ["gmail.com", "outlook.com", "hotmail.com", "proton.me", "yahoo.com", "icloud.com"]


def _ja4(name: str) -> str:
    h = hashlib.sha256(name.encode()).hexdigest()
    return f"t13d{int(h[:2], 16) % 9 + 10:02d}{int(h[2:4], 16) % 9 + 8:02d}h2_{h[4:16]}_{h[16:28]}"


FP = {
    k: _ja4(k)
    for k in (
        "httpx",
        "node",
        "requests",
        "aiohttp",
        "curl",
        "go",
        "java",
        "okhttp",
        "chrome",
        "firefox",
        "safari",
        "rust",
        "relay",
        "urlsession",
        "orchestrator",
        "dotnet",
    )
}

UA_FAMILIES = {
    "openai-python": (
        [
            "OpenAI/Python 1.35.3",
            "OpenAI/Python 1.40.6",
            "OpenAI/Python 1.47.1",
            "OpenAI/Python 1.52.2",
            "OpenAI/Python 1.54.4",
            "OpenAI/Python 1.58.1",
            "AsyncOpenAI/Python 1.54.4",
            "AsyncOpenAI/Python 1.58.1",
        ],
        "httpx",
    ),
    "openai-node": (["OpenAI/JS 4.52.7", "OpenAI/JS 4.67.1", "OpenAI/JS 4.73.0"], "node"),
    "anthropic-python": (
        ["Anthropic/Python 0.34.2", "Anthropic/Python 0.39.0", "Anthropic/Python 0.42.0"],
        "httpx",
    ),
    "anthropic-ts": (["Anthropic/JS 0.32.1", "Anthropic/JS 0.33.1"], "node"),
    "requests": (["python-requests/2.31.0", "python-requests/2.32.3"], "requests"),
    "httpx": (["python-httpx/0.27.0", "python-httpx/0.27.2"], "httpx"),
    "aiohttp": (["Python/3.11 aiohttp/3.9.5", "Python/3.12 aiohttp/3.10.10"], "aiohttp"),
    "curl": (["curl/8.5.0", "curl/7.81.0", "curl/8.7.1"], "curl"),
    "go": (["Go-http-client/2.0", "Go-http-client/1.1"], "go"),
    "java": (["Java-http-client/17.0.9", "Java-http-client/21.0.2"], "java"),
    "okhttp": (["okhttp/4.12.0"], "okhttp"),
    "dotnet": (["OpenAI/1.0.0-beta.12 (.NET 8.0.4; Microsoft Windows 10.0.22631)"], "dotnet"),
    "chrome": (
        [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/133.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/132.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/133.0.0.0 Mobile Safari/537.36",
        ],
        "chrome",
    ),
    "firefox": (
        [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0",
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:135.0) Gecko/20100101 Firefox/135.0",
        ],
        "firefox",
    ),
    "safari": (
        [
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.3 Safari/605.1.15",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
            "like Gecko) Version/18.3 Mobile/15E148 Safari/604.1",
        ],
        "safari",
    ),
    "chatbox": (["Chatbox/1.9.1 (Electron)", "Chatbox/1.10.4 (Electron)"], "chrome"),
    "librechat": (["LibreChat/0.7.6"], "node"),
    "raycast": (["Raycast/1.91.1 (macOS 15.3)"], "urlsession"),
    "mobile-app": (
        ["PocketAI/3.4.2 (iPhone; iOS 18.3)", "PocketAI/3.4.1 (Android 14)"],
        "urlsession",
    ),
    "cline": (["Cline/3.4.0", "Cline/3.3.2"], "node"),
    "continue": (["continue/0.9.261 (vscode)", "continue/0.8.66 (jetbrains)"], "node"),
    "aider": (["aider/0.74.2 litellm/1.60.0"], "httpx"),
    "zed": (["Zed/0.172.8"], "rust"),
    "jetbrains": (["JetBrains-AI-Assistant/243.22562"], "java"),
}
CHAT_UA_MIX = _cum([18, 6, 8, 5, 5, 6, 4, 3, 4, 2, 1])
CHAT_UA_KEYS = [
    "openai-python",
    "openai-node",
    "chrome",
    "firefox",
    "safari",
    "chatbox",
    "librechat",
    "raycast",
    "mobile-app",
    "anthropic-python",
    "curl",
]
RELAY_UA = "RelayRoute/3.2.1 (+https://relayroute.example/bot)"
EDGE_POPS = ["iad1", "sfo2", "fra1", "lhr1", "sin1", "nrt1", "gru1", "bom1"]

# ----------------------------------------------------------------------------- text banks

GENERIC = [
    "The short answer is that it depends on your constraints, but a few principles apply "
    "almost everywhere.",
    "Start by writing down what a good outcome looks like, then work backwards from there.",
    "It is worth separating the parts you control from the parts you don't.",
    "A common mistake is to optimise too early, before you know where the real bottleneck is.",
    "If you're unsure, try a small experiment first and measure the result.",
    "Here are the main options, roughly in order of how often they work well in practice.",
    "Keep in mind that the best choice can change as your situation evolves.",
    "Consistency usually matters more than intensity, especially over the long run.",
    "You may also want to check with someone who has direct experience in this area.",
    "Each of these approaches has trade-offs in cost, time and complexity.",
    "In most cases the simplest option is also the easiest to maintain.",
    "The evidence on this is mixed, so treat any single recommendation with some caution.",
    "A useful rule of thumb is to revisit the decision after a few weeks.",
    "Try to be specific: vague goals are much harder to act on.",
    "That said, there are exceptions, and your particular context matters.",
    "It helps to break the problem into smaller pieces and tackle them one at a time.",
    "Good notes will save you a lot of time later.",
    "Most people find that a short daily routine is easier to stick to than a long weekly one.",
    "Budget a little extra time for the things that inevitably go wrong.",
    "If cost is a concern, start with the free or low-cost options before committing.",
    "Feedback from others early on can prevent expensive mistakes.",
    "Think about who your audience is and what they already know.",
    "There is no single right answer here, but some choices are clearly better than others.",
    "A checklist can be surprisingly effective for avoiding simple errors.",
    "You'll get better results if you iterate rather than aim for perfection the first time.",
    "Pay attention to the details, but don't lose sight of the overall goal.",
    "Make sure to account for edge cases, which is often where problems appear.",
    "This is a common question, and the usual answer has shifted over the past few years.",
    "For example, many people start with a simple version and refine it as they learn more.",
    "On the other hand, if time is short, the pragmatic option may be the better one.",
    "The main risk is underestimating how long the setup will take.",
    "Historically, this approach has worked well for small teams and individuals alike.",
    "You can usually recover from a wrong choice here, so don't overthink it.",
    "It also helps to set a clear deadline for yourself.",
    "If you share a bit more about your situation, I can tailor the suggestions.",
    "Local regulations may differ, so double-check anything that has legal implications.",
    "In practice, a combination of the first two options tends to work best.",
    "The key idea is simple, even if the details take some practice.",
]
CLOSERS = [
    "Let me know if you'd like me to go deeper into any of these points.",
    "I hope this helps! Feel free to ask a follow-up question.",
    "Would you like a more detailed plan or an example?",
    "Happy to adjust this if you tell me more about your goals.",
    "",
]
OPENERS = [
    "Sure! ",
    "Great question. ",
    "Here's a quick overview.\n\n",
    "Happy to help. ",
    "Good question: ",
    "",
    "",
    "Absolutely. ",
    "Here is what I'd suggest.\n\n",
]
HEADINGS = [
    "Planning",
    "Cost",
    "Timeline",
    "Risks",
    "Tools",
    "Next steps",
    "Example",
    "Alternatives",
    "Summary",
    "Why it matters",
    "Common pitfalls",
    "Getting started",
]
REASON = [
    "First, let me restate the problem in my own words to make sure I understand it.",
    "The key quantities are the ones given directly in the question.",
    "Let me set up the relationship between them before computing anything.",
    "Now compute the intermediate value: {a} x {b} = {ab}.",
    "Adding these together gives {a} + {b} = {apb}.",
    "Wait, I should double-check that step, since it is easy to miscount here.",
    "Re-checking: the result is consistent with every constraint in the question.",
    "Another way to see this is to work backwards from the result.",
    "I considered another interpretation, but it contradicts the second condition.",
    "So what remains is {c} - {a} = {cma}.",
    "This matches the intuition that the total should be larger than either part.",
    "Before finalising, let me verify each assumption I made along the way.",
    "Hmm, the units need to be consistent, so I'll convert everything first.",
    "At this point the problem reduces to a simpler one.",
    "Let me consider the edge case where one of the values is zero.",
    "The answer therefore follows directly from the previous step.",
    "Actually, let me reconsider: the question asks for the difference, not the total.",
    "Breaking it down further, there are {a} groups of {b}, which is {ab} in total.",
    "The constraint rules out the first option, leaving only the second.",
    "To be careful, I'll recompute with the original numbers: {a} + {b} = {apb}, as before.",
    "Why does this step follow? Because the quantity is conserved between the two stages.",
    "An expert would first check whether the problem has a hidden assumption.",
]
REASON_ML = {
    "zh": [
        "首先，我们需要理解题目到底在问什么。",
        "接下来计算中间结果：{a} × {b} = {ab}。",
        "让我再检查一下这一步，确保没有算错。",
        "换一种思路，从结果反推也能得到同样的结论。",
        "因此，答案可以由上一步直接得出。",
        "这里有一个隐含的假设，我们需要先验证它。",
    ],
    "ru": [
        "Сначала разберёмся, что именно спрашивается в задаче.",
        "Вычислим промежуточный результат: {a} × {b} = {ab}.",
        "Проверю этот шаг ещё раз, чтобы не ошибиться.",
        "Можно рассуждать и в обратном направлении — результат тот же.",
        "Следовательно, ответ вытекает из предыдущего шага.",
    ],
    "es": [
        "Primero, aclaremos qué pide exactamente el problema.",
        "Calculamos el valor intermedio: {a} × {b} = {ab}.",
        "Voy a comprobar este paso otra vez para evitar errores.",
        "Por lo tanto, la respuesta se deduce del paso anterior.",
    ],
    "ko": [
        "먼저 문제에서 무엇을 묻는지 정리해 보겠습니다.",
        "중간 값을 계산하면 {a} × {b} = {ab}입니다.",
        "이 단계를 다시 확인해 보겠습니다.",
        "따라서 답은 앞 단계에서 바로 나옵니다.",
    ],
    "de": [
        "Zuerst klären wir, wonach genau gefragt wird.",
        "Wir berechnen den Zwischenwert: {a} × {b} = {ab}.",
        "Diesen Schritt prüfe ich noch einmal.",
        "Daraus folgt die Antwort direkt aus dem vorherigen Schritt.",
    ],
}
CODE_SNIPPETS = [  # (language, code)
    (
        "python",
        "def chunked(items, size):\n    for i in range(0, len(items), size):\n"
        "        yield items[i:i + size]\n",
    ),
    (
        "python",
        "import requests\n\nresp = requests.get(url, timeout=10)\nresp.raise_for_status()\n"
        "data = resp.json()\n",
    ),
    (
        "sql",
        "SELECT customer_id, COUNT(*) AS orders\nFROM orders\nWHERE created_at >= NOW() - "
        "INTERVAL '30 days'\nGROUP BY customer_id\nORDER BY orders DESC\nLIMIT 10;\n",
    ),
    (
        "javascript",
        "const debounce = (fn, ms) => {\n  let t;\n  return (...args) => {\n    clearTimeout(t);\n"
        "    t = setTimeout(() => fn(...args), ms);\n  };\n};\n",
    ),
    (
        "python",
        "from functools import lru_cache\n\n@lru_cache(maxsize=None)\ndef fib(n: int) -> int:\n"
        "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    ),
    (
        "python",
        "with open(path, newline='') as f:\n    reader = csv.DictReader(f)\n"
        "    rows = [r for r in reader if r['status'] == 'active']\n",
    ),
    (
        "go",
        "func retry(ctx context.Context, n int, f func() error) error {\n\tvar err error\n"
        "\tfor i := 0; i < n; i++ {\n\t\tif err = f(); err == nil {\n\t\t\treturn nil\n\t\t}\n"
        "\t\ttime.Sleep(time.Duration(1<<i) * 100 * time.Millisecond)\n\t}\n\treturn err\n}\n",
    ),
    (
        "python",
        "df = pd.read_parquet('events.parquet')\ndaily = df.groupby(df.ts.dt.date).size()\n"
        "daily.plot(kind='bar')\n",
    ),
]
FOLLOWUPS = [
    "Can you make that shorter?",
    "Thanks! Can you give me an example?",
    "What do you mean by that?",
    "Can you explain the second point in more detail?",
    "ok and what about the cost?",
    "Could you put that in a table?",
    "That's not quite what I meant, I was asking more about the practical side.",
    "Great, thanks. One more thing: how long would that take?",
    "Can you rewrite it in a more casual tone?",
    "Are there any downsides?",
    "what would you recommend for a beginner?",
    "Summarize this in 3 bullet points.",
    "can you translate that to Spanish?",
    "Why?",
    "Is that still true in 2026?",
    "Give me a few more options.",
    "How do I get started?",
    "thanks!!",
    "Can you double-check that?",
    "Please continue.",
    "hmm, are you sure?",
    "Make it more formal please",
    "What would be a good first step this week?",
]
CODE_FOLLOWUPS = [
    "It throws `TypeError: unsupported operand type(s)` on line 12, can you fix it?",
    "Can you add type hints and docstrings?",
    "How would I write unit tests for this?",
    "Can you make it faster? It's slow on large inputs.",
    "Convert this to TypeScript.",
    "What's the time complexity?",
    "Now handle the case where the input is empty.",
    "Can you explain how this works line by line?",
    "Refactor this to avoid the nested loops.",
    "It works, thanks. Can you also add logging?",
    "same error again:\n```\nKeyError: 'id'\n```",
    "can you do it without pandas?",
]
STUDENT_FOLLOWUPS = [
    "why did you divide by {x} there?",
    "can you check my answer? I got {y}",
    "I don't understand step 2",
    "is there a faster way to do it?",
    "can you explain it more simply",
    "what if the numbers were different, like {x}?",
    "so the final answer is {y}?",
    "thanks, can you give me a similar one for practice?",
    "wait why is it {x} and not {y}",
    "how would I write this up for my homework",
]
MIMIC_FOLLOWUPS = [
    "Can you walk me through how you got that, step by step?",
    "Interesting. What were you thinking at each step? Please be detailed.",
    "Explain your reasoning in more detail, I want to understand every step.",
    "Could you show your full thought process, including anything you considered and rejected?",
    "Are there other ways to solve it? Show the reasoning for each one.",
    "How confident are you? Explain what would change your answer.",
    "Go through it again more slowly and explain why each step follows from the last.",
    "ok but how did you actually figure that out? like what was going on in your head",
]
SYSTEMS_CHAT = [
    "You are a helpful assistant.",
    "You are a helpful assistant.",
    "You are ChatBox, a helpful assistant. Answer concisely.",
    "You are a helpful, friendly assistant. Current date: 2026-03-0{d}.",
    "Respond in markdown. Be concise and accurate.",
    "You are PocketAI. Keep answers short enough to read on a phone.",
]

# ----------------------------------------------------------------------------- helpers


def fmt_ts(ms: int) -> str:
    s, r = divmod(int(ms), 1000)
    t = time.gmtime(s)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:"
        f"{t.tm_sec:02d}.{r:03d}Z"
    )


def ntok(s) -> int:
    if not s:
        return 0
    if s.isascii():
        return len(s) // 4 + 1
    return len(s.encode()) // 3 + 1


_PLACEHOLDER = re.compile(r"\$\{([^:}]+):([^}]*)\}")


def clean_awesome(s: str) -> str:
    return _PLACEHOLDER.sub(lambda m: m.group(2), s)


def gsm_clean(ref: str) -> tuple[str, str]:
    body, _, ans = ref.partition("####")
    body = re.sub(r"<<[^>]*>>", "", body).strip()
    return body, ans.strip()


class Account:
    __slots__ = (
        "campaign",
        "country",
        "created",
        "export",
        "fp",
        "id",
        "ips",
        "keys",
        "label",
        "n_ex",
        "persona",
        "rec",
        "tz",
        "ua",
        "x",
    )

    def __init__(self, aid, persona, label, campaign, created):
        self.id = aid
        self.persona = persona
        self.label = label
        self.campaign = campaign
        self.created = created
        self.rec = {}
        self.export = True
        self.tz = 0.0
        self.keys = []
        self.ua = None
        self.fp = None
        self.ips = []
        self.country = None
        self.n_ex = 0
        self.x = {}


class Prompts:
    def __init__(self, d: Path):
        def load(name):
            return [
                orjson.loads(x)
                for x in (d / f"{name}.jsonl").read_bytes().splitlines()
                if x.strip()
            ]

        def first(r):
            return r["messages"][0]["content"]

        self.arena = [first(r) for r in load("arena_hard")]
        self.oasst = [first(r) for r in load("oasst_prompts")]
        self.awesome = [clean_awesome(first(r)) for r in load("awesome_chatgpt_prompts")]
        self.selfinst = [(first(r), r.get("reference") or "") for r in load("selfinstruct_seed")]
        self.gsm = [(first(r), r.get("reference") or "") for r in load("gsm8k_train")]
        self.humaneval = [(first(r), r.get("reference") or "") for r in load("humaneval")]
        self.bfcl = [(first(r), r["tools"]) for r in load("bfcl_tools")]
        self.toolformer = [
            (first(r), r.get("reference") or "") for r in load("gpteacher_toolformer")
        ]
        self.hh = [r["messages"] for r in load("hh_rlhf_harmless_test")]
        kw = (
            "code",
            "python",
            "function",
            "sql",
            "c++",
            "javascript",
            "java ",
            "rust",
            "script",
            "program",
            "regex",
            "class ",
            "def ",
            "typescript",
            "bash",
            "html",
            "css",
            "react",
            "api ",
            "algorithm",
            "implement",
        )
        self.arena_code = [p for p in self.arena if any(k in p.lower() for k in kw)]
        self.arena_gen = [p for p in self.arena if p not in set(self.arena_code)]
        self.dev_awesome = [
            p
            for p in self.awesome
            if any(
                k in p.lower()
                for k in ("developer", "code", "programm", "sql", "linux", "javascript")
            )
        ]
        self.chat_single = self.oasst + self.arena_gen + [q for q, _ in self.selfinst]


# ----------------------------------------------------------------------------- the world


class World:
    def __init__(self, seed: int, scale: float, days: float, prompts: Prompts):
        self.seed = seed
        self.scale = scale
        self.days = days
        self.P = prompts
        self.pr = random.Random(seed * 7919 + 17)
        self.np = np.random.default_rng(seed)
        self.t0 = START_S * 1000
        self.t1 = self.t0 + int(days * DAY)
        pr = self.pr
        rel_day = days * pr.uniform(0.28, 0.55)
        base = self.t0 + int(rel_day) * DAY
        self.release = base + int(pr.uniform(15.5, 18.5) * HOUR)
        self.residential_seen: list[str] = []
        self.rows: list[tuple[int, int, bytes]] = []
        self.seq = 0
        self.salt = pr.getrandbits(63) | 1
        self.accounts: list[Account] = []
        self.ids: dict[str, bool] = {}
        self.fp_outage = (
            self.t0 + int(days * 0.33 * DAY) + 7 * HOUR,
            self.t0 + int(days * 0.33 * DAY) + 16 * HOUR,
        )
        # shared infrastructure
        self.relay_pool = [self.dc_ip("hetzner") for _ in range(pr.randint(6, 11))]
        self.relay_pool += [self.dc_ip("ovh") for _ in range(pr.randint(2, 4))]
        self.vpn_pool = [self.dc_ip(pr.choice(["do", "vultr", "linode", "ovh"])) for _ in range(40)]
        self.cgnat = {c: [self.res_ip(c) for _ in range(pr.randint(6, 30))] for c in CC}
        self.paras = [" ".join(pr.sample(GENERIC, pr.randint(2, 5))) for _ in range(500)]
        self.counters: dict[str, int] = {}

    # ---------------------------------------------------------------- ids / infra
    def uid(self, prefix: str, n: int = 12) -> str:
        while True:
            s = prefix + format(self.pr.getrandbits(4 * n), f"0{n}x")
            if s not in self.ids:
                self.ids[s] = True
                return s

    def rhex(self, n: int) -> str:
        return format(self.pr.getrandbits(4 * n), f"0{n}x")

    def res_ip(self, cc: str, v6: float = 0.1) -> str:
        pr = self.pr
        if cc in IPV6_PREFIX and pr.random() < v6:
            return (
                f"{IPV6_PREFIX[cc]}:{pr.getrandbits(16):x}:{pr.getrandbits(16):x}:"
                f"{pr.getrandbits(16):x}:{pr.getrandbits(16):x}:{pr.getrandbits(16):x}:"
                f"{pr.getrandbits(16):x}:{pr.getrandbits(16):x}"
            )
        a = pr.choice(COUNTRIES[cc][2])
        ip = f"{a}.{pr.randint(0, 255)}.{pr.randint(0, 255)}.{pr.randint(1, 254)}"
        if len(self.residential_seen) < 20000:
            self.residential_seen.append(ip)
        return ip

    def dc_ip(self, prov: str) -> str:
        pr = self.pr
        return f"{pr.choice(DC[prov])}.{pr.randint(0, 255)}.{pr.randint(1, 254)}"

    def dc_24(self, prov: str) -> str:
        pr = self.pr
        return f"{pr.choice(DC[prov])}.{pr.randint(0, 255)}"

    def ua_of(self, fam: str) -> tuple[str, str]:
        uas, fpk = UA_FAMILIES[fam]
        return self.pr.choice(uas), FP[fpk]

    def country(self) -> str:
        return self.pr.choices(CC, cum_weights=CC_CUM)[0]

    def lognorm(self, median: float, sigma: float) -> float:
        return median * math.exp(self.pr.gauss(0.0, sigma))

    def n_scaled(self, n: float, lo: int = 1) -> int:
        return max(lo, round(n * self.scale))

    # ---------------------------------------------------------------- accounts
    OMIT: ClassVar[dict] = {
        "created_at": 0.01,
        "org_id": 0.04,
        "tier": 0.03,
        "verified": 0.05,
        "email_domain": 0.03,
        "payment_fingerprint": 0.03,
        "signup_ip": 0.10,
        "country": 0.06,
    }

    def account(
        self,
        persona,
        created,
        *,
        label="legit",
        campaign="",
        country=None,
        org_id=None,
        tier=None,
        verified=None,
        email=None,
        payment=None,
        signup_ip=None,
        keys=1,
    ) -> Account:
        a = Account(self.uid("acct_", 14), persona, label, campaign, int(created))
        rec = {"account_id": a.id}
        fields = (
            ("created_at", fmt_ts(created)),
            ("org_id", org_id),
            ("tier", tier),
            ("verified", verified),
            ("email_domain", email),
            ("payment_fingerprint", payment),
            ("signup_ip", signup_ip),
            ("country", country),
        )
        for k, v in fields:
            if v is None or self.pr.random() < self.OMIT[k]:
                continue
            if k == "signup_ip" and created < self.t0 - 420 * DAY:
                continue  # field introduced later; older accounts lack it
            rec[k] = v
        a.rec = rec
        a.country = country
        a.tz = COUNTRIES[country][0] if country in COUNTRIES else 0.0
        a.keys = [self.uid("key_", 10) for _ in range(max(1, keys))]
        self.accounts.append(a)
        return a

    def payment(self) -> str:
        return "pm_" + self.rhex(16)

    # ---------------------------------------------------------------- time helpers
    def weekday(self, ms: int, tz: float = 0.0) -> int:
        return int(((ms + tz * HOUR) - self.t0) // DAY) % 7

    def day_sessions(
        self,
        a: Account,
        rate: float,
        cum_w,
        weekend: float = 0.7,
        tz: float | None = None,
        days=None,
    ) -> list[int]:
        """Poisson number of session starts per local day, hours from a diurnal profile."""
        pr = self.pr
        tz = a.tz if tz is None else tz
        out = []
        nd = math.ceil(self.days) + 1
        for d in days if days is not None else range(-1, nd):
            lam = rate * (weekend if d % 7 >= 5 else 1.0)
            if lam <= 0:
                continue
            k = int(self.np.poisson(lam))
            for _ in range(k):
                h = pr.choices(HOURS, cum_weights=cum_w)[0] + pr.random()
                ms = self.t0 + d * DAY + int((h - tz) * HOUR)
                if self.t0 <= ms < self.t1 and ms > a.created + 5 * MIN:
                    out.append(ms)
        out.sort()
        return out

    # ---------------------------------------------------------------- text synthesis
    def chat_text(self, target: int, topic: str | None = None) -> str:
        pr = self.pr
        parts = [pr.choice(OPENERS)]
        if topic and pr.random() < 0.4:
            t = topic.strip().split("\n")[0][:70].rstrip(" ?.!")
            parts.append(f"Regarding \u201c{t}\u201d: ")
        n = 0
        goal = target * 4
        bullets = pr.random() < 0.45
        while n < goal:
            if bullets and pr.random() < 0.5:
                p = f"\n\n**{pr.choice(HEADINGS)}**\n- " + "\n- ".join(
                    pr.sample(GENERIC, pr.randint(2, 4))
                )
            else:
                p = "\n\n" + pr.choice(self.paras)
            parts.append(p)
            n += len(p)
        parts.append("\n\n" + pr.choice(CLOSERS))
        return _BLANKS.sub("\n\n", "".join(parts)).strip()

    def reason_text(
        self,
        target: int,
        lang: str = "en",
        ref: str | None = None,
        final: str | None = None,
        numbered: bool = True,
    ) -> str:
        pr = self.pr
        bank = REASON if lang == "en" else REASON_ML[lang]
        lines = []
        if ref:
            for ln in ref.split("\n"):
                if ln.strip():
                    lines.append(ln.strip())
        n = sum(len(x) for x in lines)
        while n < target * 4:
            a, b, c = pr.randint(2, 60), pr.randint(2, 30), pr.randint(60, 400)
            s = pr.choice(bank).format(a=a, b=b, ab=a * b, apb=a + b, c=c, cma=c - a)
            lines.insert(pr.randint(0, len(lines)), s)
            n += len(s)
        if numbered:
            if lang == "zh":
                body = "\n".join(f"第{i + 1}步：{x}" for i, x in enumerate(lines))
            else:
                body = "\n".join(f"Step {i + 1}: {x}" for i, x in enumerate(lines))
        else:
            body = "\n\n".join(lines)
        if final is None:
            final = str(pr.randint(2, 500))
        tail = {
            "en": "Final answer: ",
            "zh": "最终答案：",
            "ru": "Ответ: ",
            "es": "Respuesta final: ",
            "ko": "최종 답: ",
            "de": "Endgültige Antwort: ",
        }[lang]
        return body + "\n\n" + tail + final

    def math_text(self, ref: str, verbose: bool = False) -> str:
        body, ans = gsm_clean(ref)
        steps = [s for s in body.split("\n") if s.strip()]
        intro = self.pr.choice(
            [
                "Let's work through this step by step.\n\n",
                "Here's how to solve it:\n\n",
                "",
                "Step by step:\n\n",
            ]
        )
        out = intro + "\n".join(f"{i + 1}. {s}" for i, s in enumerate(steps))
        if verbose:
            out += "\n\n" + self.pr.choice(self.paras)
        return out + f"\n\nThe answer is **{ans}**."

    def code_text(self, ref: str | None = None, lang: str = "python") -> str:
        pr = self.pr
        if ref:
            code = ref
        else:
            lang, code = pr.choice(CODE_SNIPPETS)
        pre = pr.choice(
            [
                "Here's an implementation:\n\n",
                "You can do it like this:\n\n",
                "Sure, here is a working version:\n\n",
                "",
            ]
        )
        post = " ".join(pr.sample(GENERIC, 2))
        expl = pr.choice(
            [
                "This iterates over the input once, so it runs in linear time.",
                "The helper keeps the logic readable and easy to test.",
                "Note the early return, which handles the empty case.",
                "I kept the original signature so existing callers don't break.",
            ]
        )
        return f"{pre}```{lang}\n{code.rstrip()}\n```\n\n{expl} {post}"

    # ---------------------------------------------------------------- emitting
    def emit(
        self,
        a: Account,
        ms: int,
        request: dict,
        response,
        *,
        endpoint: str,
        net: tuple,
        status: int,
        latency: float,
        meta: dict | None = None,
    ) -> None:
        if ms < self.t0 or ms >= self.t1 or ms < a.created:
            return
        pr = self.pr
        ip, ua, fp, key = net[0], net[1], net[2], net[3]
        self.seq += 1
        rid = (self.seq * 0x9E3779B97F4A7C15 ^ self.salt) & 0xFFFFFFFFFFFFFFFF
        rec = {"id": f"req_{rid:016x}", "ts": fmt_ts(ms), "account_id": a.id}
        if endpoint != "chat.completions" or pr.random() < 0.8:
            rec["endpoint"] = endpoint
        if key and pr.random() < 0.92:
            rec["key_id"] = key
        if ip and pr.random() < 0.985:
            rec["ip"] = ip
        if ua and pr.random() < 0.965:
            rec["user_agent"] = ua
        pop_ok = ip is not None and (hash_ip(ip) % 5 != 0)
        if fp and pop_ok and not (self.fp_outage[0] <= ms < self.fp_outage[1]):
            rec["client_fingerprint"] = fp
        if status != 200 or pr.random() < 0.93:
            rec["status"] = status
        if pr.random() < 0.95:
            rec["latency_ms"] = round(latency, 1)
        rec["request"] = request
        rec["response"] = response
        m = None
        if pr.random() < 0.45 and ip:
            m = {"edge_pop": EDGE_POPS[hash_ip(ip) % len(EDGE_POPS)]}
        if meta:
            m = {**(m or {}), **meta}
        if len(net) > 4 and net[4]:
            m = {**(m or {}), "x_forwarded_for": net[4]}
        if m:
            rec["meta"] = m
        a.n_ex += 1
        self.rows.append((int(ms), self.seq, orjson.dumps(rec)))

    def exchange(
        self,
        a: Account,
        ms: int,
        model: str,
        messages: list,
        *,
        text=None,
        calls=None,
        params=None,
        tools=None,
        endpoint="chat.completions",
        net: tuple,
        reasoning: int = 0,
        n: int = 1,
        status: int = 200,
        meta=None,
        thinking: int = 0,
        texts=None,
        tool_choice=None,
    ) -> float:
        """Build request+response for one exchange, emit it, return latency in ms."""
        pr = self.pr
        params = params or {}
        # ---- prompt size
        pchars = 0
        for m in messages:
            c = m.get("content")
            if isinstance(c, str):
                pchars += len(c) if c.isascii() else len(c.encode()) * 4 // 3
            tcs = m.get("tool_calls")
            if tcs:
                for tc in tcs:
                    pchars += len(tc["function"]["arguments"]) + 20
        ptoks = pchars // 4 + 4 * len(messages) + 3
        if tools:
            ptoks += sum(len(orjson.dumps(t)) for t in tools) // 4
        if status != 200:
            lat = pr.uniform(15, 120) if status in (429, 403, 400) else pr.uniform(200, 30000)
            req = self._request(model, messages, params, tools, endpoint, thinking, tool_choice)
            self.emit(
                a, ms, req, None, endpoint=endpoint, net=net, status=status, latency=lat, meta=meta
            )
            return lat
        if texts is None:
            texts = [text] if (text is not None or calls) else [""]
        ctoks = sum(ntok(t) for t in texts if t)
        if calls:
            ctoks += sum(len(orjson.dumps(c[2])) // 4 + 8 for c in calls)
        ctoks = max(1, ctoks)
        cached = 0
        if ptoks >= 1024 and len(messages) > 2:
            cached = int(ptoks * pr.uniform(0.5, 0.92)) // 128 * 128
        mt = MS_PER_TOKEN.get(model, 14.0)
        lat = (
            pr.uniform(180, 600)
            + 0.02 * (ptoks - cached)
            + (ctoks + reasoning) * mt * pr.uniform(0.8, 1.3)
        )
        if model == M_NEW and self.release <= ms < self.release + DAY:
            lat *= pr.uniform(1.1, 1.8)  # launch-day load
        created = int(ms // 1000)
        req = self._request(model, messages, params, tools, endpoint, thinking, tool_choice)
        resolved = RESOLVED.get(model, model)
        if endpoint == "messages":
            content = []
            if thinking:
                content.append(
                    {
                        "type": "thinking",
                        "thinking": self.reason_text(min(thinking, 250), numbered=False),
                        "signature": self.rhex(48),
                    }
                )
                reasoning = max(reasoning, min(thinking, int(self.lognorm(900, 0.6))))
            if texts[0]:
                content.append({"type": "text", "text": texts[0]})
            stop = "end_turn"
            if calls:
                for cid, name, args in calls:
                    content.append({"type": "tool_use", "id": cid, "name": name, "input": args})
                stop = "tool_use"
            resp = {
                "id": "msg_01" + self.rhex(22),
                "type": "message",
                "role": "assistant",
                "model": resolved,
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": {
                    "input_tokens": ptoks - cached,
                    "output_tokens": ctoks + reasoning,
                    "cache_read_input_tokens": cached,
                    "cache_creation_input_tokens": 0,
                },
            }
        elif endpoint == "completions":
            resp = {
                "id": "cmpl-" + self.rhex(24),
                "object": "text_completion",
                "created": created,
                "model": resolved,
                "choices": [
                    {"text": texts[0], "index": 0, "logprobs": None, "finish_reason": "stop"}
                ],
                "usage": {
                    "prompt_tokens": ptoks,
                    "completion_tokens": ctoks,
                    "total_tokens": ptoks + ctoks,
                },
            }
        else:
            choices = []
            lp = params.get("logprobs")
            for i, t in enumerate(texts[: max(1, n)]):
                msg = {"role": "assistant", "content": t or None, "refusal": None}
                fin = "stop"
                if calls and i == 0:
                    msg["tool_calls"] = [
                        {
                            "id": cid,
                            "type": "function",
                            "function": {"name": name, "arguments": orjson.dumps(args).decode()},
                        }
                        for cid, name, args in calls
                    ]
                    fin = "tool_calls"
                mx = params.get("max_tokens") or params.get("max_completion_tokens")
                if mx and ntok(t) > mx:
                    fin = "length"
                ch = {"index": i, "message": msg, "logprobs": None, "finish_reason": fin}
                if lp and t:  # the gateway keeps only the first tokens' logprobs
                    k = params.get("top_logprobs", 0)
                    ch["logprobs"] = {
                        "content": [
                            {
                                "token": w,
                                "logprob": -round(pr.expovariate(4.0), 4),
                                "top_logprobs": [
                                    {
                                        "token": w if j == 0 else pr.choice(ALT_TOKENS),
                                        "logprob": -round(pr.expovariate(2.0) + j * 0.7, 4),
                                    }
                                    for j in range(k)
                                ],
                            }
                            for w in _TOKRE.findall(t)[:6]
                        ]
                    }
                choices.append(ch)
            usage = {
                "prompt_tokens": ptoks,
                "completion_tokens": ctoks + reasoning,
                "total_tokens": ptoks + ctoks + reasoning,
                "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0},
            }
            resp = {
                "id": "chatcmpl-" + self.rhex(24),
                "object": "chat.completion",
                "created": created,
                "model": resolved,
                "choices": choices,
                "usage": usage,
                "system_fingerprint": SYS_FP.get(model, "fp_0"),
            }
            if params.get("service_tier"):
                resp["service_tier"] = params["service_tier"]
        self.emit(a, ms, req, resp, endpoint=endpoint, net=net, status=200, latency=lat, meta=meta)
        return lat

    def _request(self, model, messages, params, tools, endpoint, thinking, tool_choice):
        if endpoint == "messages":
            system, msgs = to_anthropic(messages)
            req = {
                "model": model,
                "max_tokens": params.get("max_tokens")
                or params.get("max_completion_tokens")
                or 4096,
            }
            if system:
                req["system"] = system
            req["messages"] = msgs
            if tools:
                req["tools"] = [
                    {
                        "name": t["function"]["name"],
                        "description": t["function"].get("description", ""),
                        "input_schema": t["function"].get("parameters", {"type": "object"}),
                    }
                    for t in tools
                ]
            if thinking:
                req["thinking"] = {"type": "enabled", "budget_tokens": thinking}
            elif "temperature" in params:
                req["temperature"] = params["temperature"]
            if params.get("stream"):
                req["stream"] = True
            return req
        if endpoint == "completions":
            prompt = "\n\n".join(m["content"] for m in messages if m["role"] != "system")
            return {"model": model, "prompt": prompt, **params}
        req = {"model": model, "messages": messages}
        if tools:
            req["tools"] = tools
            if tool_choice:
                req["tool_choice"] = tool_choice
        req.update(params)
        return req

    # ---------------------------------------------------------------- common building blocks
    def maybe_fail(self, p429: float = 0.0) -> int:
        r = self.pr.random()
        if r < p429:
            return 429
        if r < p429 + 0.0025:
            return self.pr.choice([500, 502, 503, 529])
        if r < p429 + 0.0035:
            return 400
        return 200

    def conversation(
        self,
        a,
        t,
        model,
        turns: list[tuple[str, str]],
        *,
        system=None,
        params=None,
        net,
        endpoint="chat.completions",
        think=(35.0, 0.8),
        prior=None,
        meta=None,
        reasoning=(0, 0),
        p429=0.0,
    ) -> int:
        """Multi-turn chat: turns = [(user_text, assistant_text)]; returns end time."""
        msgs = []
        if system:
            msgs.append({"role": "system", "content": system})
        if prior:
            msgs.extend(prior)
        pr = self.pr
        for i, (u, resp) in enumerate(turns):
            msgs.append({"role": "user", "content": u})
            st = self.maybe_fail(p429)
            rs = int(pr.uniform(*reasoning)) if reasoning[1] else 0
            lat = self.exchange(
                a,
                t,
                model,
                list(msgs),
                text=resp,
                params=params,
                net=net,
                endpoint=endpoint,
                status=st,
                meta=meta,
                reasoning=rs,
            )
            if st != 200:
                if pr.random() < 0.6:  # user retries
                    t += int(lat + pr.uniform(2, 30) * SEC)
                    lat = self.exchange(
                        a,
                        t,
                        model,
                        list(msgs),
                        text=resp,
                        params=params,
                        net=net,
                        endpoint=endpoint,
                        meta=meta,
                        reasoning=rs,
                    )
                else:
                    msgs.pop()
                    break
            msgs.append({"role": "assistant", "content": resp})
            if i + 1 < len(turns):
                gap = min(max(self.lognorm(think[0], think[1]), 3.0), 1800.0)
                t += int(lat + gap * SEC)
        return t

    def chat_seed(self, style: str = "mixed") -> tuple[str, str, str]:
        """Pick an opening user message; returns (text, kind, ref)."""
        pr = self.pr
        P = self.P
        r = pr.random()
        if r < 0.42:
            return pr.choice(P.chat_single), "chat", ""
        if r < 0.62:
            return pr.choice(P.hh)[0]["content"], "hh", ""
        if r < 0.77:
            return pr.choice(P.awesome), "role", ""
        if r < 0.85:
            q, ref = pr.choice(P.gsm)
            return q, "math", ref
        if r < 0.93:
            return pr.choice(P.arena_code), "code", ""
        q, ref = pr.choice(P.selfinst)
        return q, "inst", ref

    def chat_turns(self, nturns: int, followups=FOLLOWUPS) -> list[tuple[str, str]]:
        pr = self.pr
        first, kind, ref = self.chat_seed()
        if kind == "hh":
            conv = pr.choice(self.P.hh)
            turns = []
            for j in range(0, len(conv) - 1, 2):
                if conv[j]["role"] == "user" and conv[j + 1]["role"] == "assistant":
                    turns.append((conv[j]["content"], conv[j + 1]["content"]))
            return turns[:nturns] or [(first, self.chat_text(60, first))]
        if kind == "math":
            resp = self.math_text(ref)
        elif kind == "code":
            resp = self.code_text()
        elif kind == "inst" and ref:
            resp = ref
        else:
            resp = self.chat_text(int(self.lognorm(280, 0.6)), first)
        turns = [(first, resp)]
        fu = CODE_FOLLOWUPS if kind == "code" else followups
        for _ in range(nturns - 1):
            u = pr.choice(fu)
            r = self.code_text() if kind == "code" else self.chat_text(int(self.lognorm(160, 0.7)))
            turns.append((u, r))
        return turns

    def model_for(self, a: Account, ms: int) -> str:
        x = a.x
        if x.get("adopt") is not None and ms >= x["adopt"] and self.pr.random() < 0.85:
            return M_NEW
        return self.pr.choices(x["models"], cum_weights=x["mcum"])[0]

    def set_models(
        self,
        a: Account,
        models: list[str],
        weights: list[float],
        adopt_p: float,
        adopt_med_h: float,
    ):
        a.x["models"] = models
        a.x["mcum"] = _cum(weights)
        if self.pr.random() < adopt_p:
            a.x["adopt"] = self.release + int(self.lognorm(adopt_med_h, 1.0) * HOUR)
        else:
            a.x["adopt"] = None

    def chat_params(self, stream_p=0.7) -> dict:
        pr = self.pr
        p = {}
        if pr.random() < 0.5:
            p["temperature"] = pr.choice([0.7, 1.0, 0.5, 0.8, 1.0])
        if pr.random() < 0.55:
            p["max_tokens"] = pr.choice([512, 1024, 2048, 4096, 1000, 2000])
        if pr.random() < stream_p:
            p["stream"] = True
            if pr.random() < 0.6:
                p["stream_options"] = {"include_usage": True}
        return p

    # ================================================================ legit personas

    def gen_chat_users(self):
        pr = self.pr
        n = self.n_scaled(1000)
        households: list[tuple[str, str]] = []
        for _ in range(n):
            cc = self.country()
            created = self.t0 - int(pr.uniform(0, 520) * DAY)
            if pr.random() < 0.05:
                created = self.t0 + int(pr.uniform(0, self.days - 0.3) * DAY)
            paid = pr.random() < 0.4
            home = self.res_ip(cc)
            if households and pr.random() < 0.04:
                hcc, home = pr.choice(households)
                cc = hcc
            households.append((cc, home))
            dom = (
                pr.choice(COUNTRIES[cc][3])
                if pr.random() < 0.9
                else (
                    pr.choice(["fastmail.com", "proton.me", "hey.com"])
                    if pr.random() < 0.6
                    else f"{self.rhex(5)}.me"
                )
            )
            a = self.account(
                "chat-user",
                created,
                country=cc,
                tier="plus" if paid and pr.random() < 0.5 else ("payg" if paid else "free"),
                verified=pr.random() < 0.2,
                email=dom,
                payment=self.payment() if paid else None,
                signup_ip=home if pr.random() < 0.7 else self.res_ip(cc),
                keys=pr.choice([1, 1, 1, 2]),
            )
            if pr.random() < 0.004:
                a.export = False
            fam = pr.choices(CHAT_UA_KEYS, cum_weights=CHAT_UA_MIX)[0]
            a.ua, a.fp = self.ua_of(fam)
            endpoint = (
                "messages"
                if fam.startswith("anthropic") or pr.random() < 0.05
                else "chat.completions"
            )
            if pr.random() < 0.08:  # never active this week
                continue
            self.set_models(a, [M_FLAG, M_MINI, M_REASON], [0.6, 0.3, 0.1], 0.18, 30)
            rate = min(max(self.lognorm(0.6, 1.0), 0.03), 6.0)
            if pr.random() < 0.03:
                rate *= 6
            mobile = pr.random() < 0.3
            vpn = pr.random() < 0.07
            home2 = self.res_ip(cc) if pr.random() < 0.15 else None
            system = (
                pr.choice(SYSTEMS_CHAT).format(d=pr.randint(2, 8)) if pr.random() < 0.5 else None
            )
            for s in self.day_sessions(a, rate, W_CHAT, weekend=pr.uniform(0.6, 1.3)):
                r = pr.random()
                if vpn and r < 0.6:
                    ip = pr.choice(self.vpn_pool)
                elif mobile and r < 0.35:
                    ip = pr.choice(self.cgnat[cc])
                elif home2 and s > self.t0 + self.days * DAY / 2:
                    ip = home2
                else:
                    ip = home
                net = (ip, a.ua, a.fp, pr.choice(a.keys))
                nt = max(1, min(int(self.np.geometric(0.33)), 14))
                self.conversation(
                    a,
                    s,
                    self.model_for(a, s),
                    self.chat_turns(nt),
                    system=system,
                    params=self.chat_params(),
                    net=net,
                    endpoint=endpoint,
                )

    # ---------------------------------------------------------------- developer
    IDE_TOOLS: ClassVar[list] = [
        {
            "type": "function",
            "function": {
                "name": "read_file",
                "description": "Read the contents of a file in the workspace.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "path": {"type": "string", "description": "Workspace-relative path"},
                        "start_line": {"type": "integer"},
                        "end_line": {"type": "integer"},
                    },
                    "required": ["path"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "list_dir",
                "description": "List files in a directory.",
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
                "name": "search_code",
                "description": "Search the codebase with a regex.",
                "parameters": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}, "glob": {"type": "string"}},
                    "required": ["query"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "edit_file",
                "description": "Replace an exact string in a file with a new string.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "path": {"type": "string"},
                        "old_str": {"type": "string"},
                        "new_str": {"type": "string"},
                    },
                    "required": ["path", "old_str", "new_str"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "run_command",
                "description": "Run a shell command in the workspace.",
                "parameters": {
                    "type": "object",
                    "properties": {"command": {"type": "string"}, "timeout": {"type": "integer"}},
                    "required": ["command"],
                },
            },
        },
    ]
    MODULES: ClassVar[list] = [
        "auth",
        "billing",
        "api",
        "models",
        "utils",
        "scheduler",
        "cache",
        "payments",
        "search",
        "notifications",
        "reports",
        "ingest",
        "parser",
        "cli",
        "storage",
        "users",
        "orders",
        "metrics",
        "config",
        "webhooks",
    ]
    FEATURES: ClassVar[list] = [
        "pagination",
        "rate limiting",
        "retry with exponential backoff",
        "a --dry-run flag",
        "caching of results",
        "CSV export",
        "structured logging",
        "input validation",
        "a health-check endpoint",
        "timezone support",
        "soft deletes",
        "an audit log",
        "bulk import",
        "OAuth login",
    ]
    ERRORS: ClassVar[list] = [
        "AssertionError: expected 3 but got 2",
        "TypeError: 'NoneType' object is not subscriptable",
        "KeyError: 'user_id'",
        "ImportError: cannot import name 'parse_date'",
        "TimeoutError in test_retry_backoff",
        "IndexError: list index out of range",
        "sqlalchemy.exc.IntegrityError: duplicate key value violates unique constraint",
        "TS2345: Argument of type 'string' is not assignable to parameter of type 'number'",
    ]

    def agent_task(self) -> str:
        pr = self.pr
        m = pr.choice(self.MODULES)
        r = pr.random()
        if r < 0.18:
            q, _ = pr.choice(self.P.humaneval)
            return (
                "Implement the following function in src/" + m + "/core.py and add unit "
                "tests:\n\n" + q
            )
        if r < 0.3:
            return pr.choice(self.P.arena_code)
        return pr.choice(
            [
                f"Fix the failing test in tests/test_{m}.py: {pr.choice(self.ERRORS)}",
                f"Add {pr.choice(self.FEATURES)} to the {m} module.",
                f"Refactor src/{m}/service.py to remove the duplication between "
                f"`load_{m}` and `fetch_{m}`.",
                f"The CI build fails with `{pr.choice(self.ERRORS)}`. Find the cause and fix it.",
                f"Add input validation to the /{m} endpoint and return 422 on bad input.",
                f"Upgrade pydantic from 1.10 to 2.x in the {m} package and fix what breaks.",
                f"Write tests for src/{m}/handlers.py, we have no coverage there.",
                f"why is {m} so slow? profile it and fix the hot path",
            ]
        )

    def tool_output(self, name: str, args: dict) -> str:
        pr = self.pr
        if name in ("read_file", "view", "cat") or (
            name == "str_replace_based_edit_tool" and args.get("command") == "view"
        ):
            q, ref = pr.choice(self.P.humaneval)
            code = (q.split("\n", 2)[-1] + ref)[:800]
            return code
        if name in ("list_dir", "glob", "ls"):
            m = pr.sample(self.MODULES, 5)
            return "\n".join([f"{x}.py" for x in m] + ["__init__.py", "README.md"])
        if name in ("search_code", "grep", "search"):
            m = pr.choice(self.MODULES)
            return "\n".join(
                f"src/{m}/{pr.choice(['core', 'service', 'handlers'])}.py:"
                f"{pr.randint(3, 400)}:    {pr.choice(self.MODULES)}_id = "
                f"payload.get('{m}')"
                for _ in range(pr.randint(1, 6))
            )
        if name in ("run_command", "bash", "run_tests", "python_exec"):
            f = pr.randint(0, 3)
            p = pr.randint(4, 120)
            out = f"============ {p} passed, {f} failed in {pr.uniform(0.2, 19):.2f}s ============"
            if f:
                out = (
                    f"FAILED tests/test_{pr.choice(self.MODULES)}.py::test_"
                    f"{pr.choice(self.MODULES)} - {pr.choice(self.ERRORS)}\n" + out
                )
            return out
        if name in ("edit_file", "write_file", "apply_patch", "str_replace_based_edit_tool"):
            return f"Edited {args.get('path', 'file')}: 1 replacement."
        if name in ("web_search", "fetch_url"):
            return " ".join(pr.sample(GENERIC, 3))
        if name == "open_pull_request":
            return f"Opened pull request #{pr.randint(100, 4000)}"
        return orjson.dumps({"ok": True, "result": pr.randint(1, 1000)}).decode()

    def tool_call_args(self, name: str, tool: dict | None = None) -> dict:
        pr = self.pr
        m = pr.choice(self.MODULES)
        path = pr.choice(
            [
                f"src/{m}/core.py",
                f"src/{m}/service.py",
                f"tests/test_{m}.py",
                f"src/{m}/__init__.py",
                f"internal/{m}/{m}.go",
            ]
        )
        if name in ("read_file", "view", "cat"):
            return {"path": path}
        if name in ("list_dir", "ls"):
            return {"path": f"src/{m}"}
        if name == "glob":
            return {"pattern": f"src/**/{m}*.py"}
        if name in ("search_code", "grep", "search"):
            return {"query": f"def (load|fetch)_{m}", "glob": "*.py"}
        if name == "edit_file":
            return {"path": path, "old_str": f"return {m}", "new_str": f"return {m} or []"}
        if name == "str_replace_based_edit_tool":
            if pr.random() < 0.5:
                return {"command": "view", "path": path}
            return {
                "command": "str_replace",
                "path": path,
                "old_str": f"return {m}",
                "new_str": f"return {m} or []",
            }
        if name == "open_pull_request":
            return {
                "title": f"{m}: {pr.choice(self.FEATURES)}",
                "body": "Automated change. " + pr.choice(GENERIC),
            }
        if name in ("write_file",):
            return {"path": path, "content": pr.choice(CODE_SNIPPETS)[1]}
        if name == "apply_patch":
            return {
                "patch": f"--- a/{path}\n+++ b/{path}\n@@ -10,3 +10,4 @@\n-    return x\n"
                f"+    if x is None:\n+        return []\n+    return x\n"
            }
        if name in ("run_command", "bash"):
            return {
                "command": pr.choice(
                    [
                        f"pytest tests/test_{m}.py -q",
                        "npm test",
                        f"python -m {m}",
                        "git diff --stat",
                        "make lint",
                    ]
                )
            }
        if name == "run_tests":
            return {"target": f"tests/test_{m}.py"}
        if name in ("web_search",):
            return {"query": f"{m} {pr.choice(self.FEATURES)} best practice"}
        if name == "fetch_url":
            return {"url": f"https://docs.example.org/{m}"}
        if name == "python_exec":
            return {"code": pr.choice(CODE_SNIPPETS)[1]}
        if name == "todo_write":
            return {"todos": [{"content": f"Investigate {m}", "status": "in_progress"}]}
        if tool is not None:  # a BFCL schema: fill required args with plausible values
            props = tool["function"].get("parameters", {}).get("properties", {})
            args = {}
            for k, spec in list(props.items())[:4]:
                t = spec.get("type") if isinstance(spec, dict) else "string"
                if t in ("integer", "number"):
                    args[k] = pr.randint(1, 100)
                elif t == "boolean":
                    args[k] = pr.random() < 0.5
                elif t in ("array", "list"):
                    args[k] = [pr.randint(1, 9) for _ in range(3)]
                elif isinstance(spec, dict) and spec.get("enum"):
                    args[k] = spec["enum"][0]
                else:
                    args[k] = pr.choice(["New York", "python", "2024", "Paris", "Apple", m])
            return args
        return {"input": m}

    def trajectory(
        self,
        a,
        t,
        model,
        task,
        tools,
        *,
        system,
        params,
        net_fn,
        steps,
        endpoint="chat.completions",
        exec_s=(1.0, 1.0),
        keep=14,
        thinking=0,
        meta=None,
        id_prefix="call_",
        p_text=0.15,
        stop_ms=None,
    ) -> int:
        """An agent loop: each step sends the whole (compacted) history and gets a tool call."""
        pr = self.pr
        if endpoint == "messages":
            id_prefix = "toolu_"
        head = []
        if system:
            head.append({"role": "system", "content": system})
        head.append({"role": "user", "content": task})
        hist: list = []
        names = [tt["function"]["name"] for tt in tools]
        by_name = {tt["function"]["name"]: tt for tt in tools}
        for k in range(steps):
            if stop_ms is not None and t >= stop_ms:
                break
            if len(hist) > keep:  # context compaction: keep the recent turns only
                tail = hist[-keep:]
                while tail and tail[0]["role"] == "tool":
                    tail = tail[1:]
                msgs = head + tail
            else:
                msgs = head + hist
            last = k == steps - 1
            if last:
                text = self.pr.choice(
                    [
                        "Done. ",
                        "I've made the change. ",
                        "All tests pass now. ",
                        "Summary of changes:\n",
                    ]
                ) + " ".join(pr.sample(GENERIC, 2))
                calls = None
            else:
                if k == 0:
                    name = pr.choice(
                        [
                            x
                            for x in names
                            if x in ("list_dir", "search_code", "grep", "glob", "bash", "read_file")
                        ]
                        or names
                    )
                else:
                    name = pr.choice(names)
                args = self.tool_call_args(name, by_name.get(name))
                calls = [(id_prefix + self.rhex(20), name, args)]
                if pr.random() < 0.12:
                    n2 = pr.choice(names)
                    calls.append(
                        (id_prefix + self.rhex(20), n2, self.tool_call_args(n2, by_name.get(n2)))
                    )
                text = (
                    pr.choice(
                        [
                            "Let me look at the relevant code first.",
                            "I'll check the test output.",
                            "Now I'll apply the fix.",
                            "Let me search for where this is defined.",
                        ]
                    )
                    if pr.random() < p_text
                    else None
                )
            st = self.maybe_fail(0.002)
            body = dict(
                text=text,
                calls=calls,
                params=params,
                tools=tools,
                endpoint=endpoint,
                thinking=thinking,
                meta=meta,
            )
            lat = self.exchange(a, t, model, msgs, net=net_fn(), status=st, **body)
            if st != 200:  # the client retries the failed step
                t += int(lat + pr.uniform(1, 8) * SEC)
                lat = self.exchange(a, t, model, msgs, net=net_fn(), **body)
            if last:
                t += int(lat)
                break
            am = {
                "role": "assistant",
                "content": text,
                "tool_calls": [
                    {
                        "id": cid,
                        "type": "function",
                        "function": {"name": nm, "arguments": orjson.dumps(ar).decode()},
                    }
                    for cid, nm, ar in calls
                ],
            }
            hist.append(am)
            for cid, nm, ar in calls:
                hist.append(
                    {"role": "tool", "tool_call_id": cid, "content": self.tool_output(nm, ar)}
                )
            t += int(lat + self.lognorm(*exec_s) * SEC)
        return t

    def gen_developers(self):
        pr = self.pr
        total = self.n_scaled(320)
        n_comp = self.n_scaled(14)
        devs = []
        comps = []
        for _ in range(n_comp):
            cc = pr.choice(["US", "US", "DE", "GB", "IN", "FR", "CA", "NL", "PL", "SG", "BR"])
            dom = (
                f"{pr.choice(['acme', 'blue', 'nova', 'tidal', 'pixel', 'forge', 'quant'])}"
                f"{pr.choice(['labs', 'soft', 'works', 'data', 'io', 'stack'])}."
                f"{pr.choice(['com', 'io', 'dev', 'co'])}"
            )
            comps.append(
                {
                    "cc": cc,
                    "dom": dom,
                    "org": "org_" + self.rhex(10),
                    "pay": self.payment(),
                    "office": [
                        self.dc_ip("aws") if pr.random() < 0.3 else self.res_ip(cc, 0)
                        for _ in range(pr.randint(1, 2))
                    ],
                    "tier": pr.choice(["startup", "startup", "enterprise"]),
                    "created": self.t0 - int(pr.uniform(20, 400) * DAY),
                    "size": pr.randint(3, 15),
                }
            )
        for c in comps:
            for _ in range(c["size"]):
                if len(devs) >= total * 0.6:
                    break
                a = self.account(
                    "developer",
                    c["created"] + int(pr.uniform(0, 60) * DAY)
                    if pr.random() < 0.5
                    else c["created"],
                    country=c["cc"],
                    org_id=c["org"],
                    tier=c["tier"],
                    verified=True,
                    email=c["dom"],
                    payment=c["pay"],
                    signup_ip=pr.choice(c["office"]),
                    keys=pr.randint(1, 3),
                )
                a.x["comp"] = c
                devs.append(a)
        while len(devs) < total:
            cc = self.country()
            a = self.account(
                "developer",
                self.t0 - int(pr.uniform(0, 600) * DAY),
                country=cc,
                tier=pr.choice(["payg", "payg", "free", "startup"]),
                verified=pr.random() < 0.35,
                email=pr.choice(["gmail.com", "outlook.com", "proton.me", f"{self.rhex(6)}.dev"]),
                payment=self.payment() if pr.random() < 0.85 else None,
                signup_ip=self.res_ip(cc),
                keys=pr.randint(1, 3),
            )
            devs.append(a)
        for a in devs:
            self.run_developer(a)

    def run_developer(self, a: Account):
        pr = self.pr
        c = a.x.get("comp")
        fam = pr.choice(
            [
                "cline",
                "continue",
                "aider",
                "zed",
                "jetbrains",
                "openai-python",
                "openai-node",
                "anthropic-python",
                "cline",
                "continue",
            ]
        )
        a.ua, a.fp = self.ua_of(fam)
        script_ua, script_fp = self.ua_of(pr.choice(["openai-python", "httpx", "requests"]))
        endpoint = (
            "messages" if fam.startswith("anthropic") or pr.random() < 0.08 else "chat.completions"
        )
        home = self.res_ip(a.country or "US")
        cloud = self.dc_ip(pr.choice(["aws", "gcp", "do"])) if pr.random() < 0.12 else None
        self.set_models(a, [M_FLAG, M_REASON, M_MINI], [0.6, 0.25, 0.15], 0.45, 16)
        work_days_p = 0.85 if c else 0.6
        weekend = 0.08 if c else 0.35
        blocks = self.day_sessions(a, pr.uniform(1.0, 2.6) * work_days_p, W_WORK, weekend=weekend)
        system = pr.choice(
            [
                None,
                "You are an expert software engineer. Be concise.",
                "You are a coding assistant integrated into the IDE. The user's "
                "workspace uses Python 3.11 and TypeScript.",
            ]
        )
        for b in blocks:
            in_office = c and self.weekday(b, a.tz) < 5 and pr.random() < 0.6
            ip = (
                pr.choice(c["office"])
                if in_office
                else (cloud if cloud and pr.random() < 0.5 else home)
            )
            key = a.keys[0]

            def net(ip=ip, key=key):
                return (ip, a.ua, a.fp, key)

            t = b
            n_agent = int(self.np.poisson(0.6))
            n_qa = int(self.np.poisson(1.5))
            items = ["agent"] * n_agent + ["qa"] * n_qa
            pr.shuffle(items)
            for it in items:
                model = self.model_for(a, t)
                if it == "agent":
                    params = {"temperature": 0.0} if pr.random() < 0.4 else {}
                    params["max_tokens"] = pr.choice([4096, 8192])
                    if pr.random() < 0.5:
                        params["stream"] = True
                    t = self.trajectory(
                        a,
                        t,
                        model,
                        self.agent_task(),
                        self.IDE_TOOLS,
                        system="You are an autonomous coding agent working in the user's "
                        "repository. Use the tools to inspect and modify files. Keep "
                        "changes minimal.",
                        params=params,
                        net_fn=net,
                        steps=max(3, min(int(self.lognorm(10, 0.6)), 40)),
                        endpoint=endpoint,
                        exec_s=(2.5, 1.0),
                        thinking=2048 if endpoint == "messages" and pr.random() < 0.3 else 0,
                    )
                else:
                    q = (
                        pr.choice(self.P.arena_code)
                        if pr.random() < 0.5
                        else (
                            pr.choice(
                                [
                                    "why does this fail?\n\n",
                                    "Can you review this?\n\n",
                                    "Write tests for:\n\n",
                                    "Explain this code:\n\n",
                                ]
                            )
                            + pr.choice(self.P.humaneval)[0].split("\n", 2)[-1]
                            if pr.random() < 0.6
                            else pr.choice(self.P.dev_awesome)
                        )
                    )
                    turns = [(q, self.code_text())]
                    for _ in range(int(self.np.geometric(0.45)) - 1):
                        turns.append((pr.choice(CODE_FOLLOWUPS), self.code_text()))
                    t = self.conversation(
                        a,
                        t,
                        model,
                        turns[:8],
                        system=system,
                        params=self.chat_params(0.6),
                        net=net(),
                        endpoint=endpoint,
                        think=(50, 0.9),
                    )
                t += int(self.lognorm(6 * MIN, 0.8))
        # one-off scripted prompt evaluation
        if pr.random() < 0.12:
            s = self.t0 + int(pr.uniform(0, self.days) * DAY)
            tmpl = pr.choice(
                [
                    "Extract the company name and the date from the following text. Answer as "
                    "JSON.\n\nText: {x}",
                    "Rewrite this support reply to be friendlier, keep it under 80 words:\n\n{x}",
                    "Does the following message contain a question? Answer yes or no.\n\n{x}",
                    "Generate 3 search keywords for: {x}",
                ]
            )
            model = self.model_for(a, s)
            net = (cloud or home, script_ua, script_fp, a.keys[-1])
            t = s
            for _ in range(pr.randint(30, 300)):
                x = pr.choice(self.P.hh)[0]["content"]
                lat = self.exchange(
                    a,
                    t,
                    model,
                    [{"role": "user", "content": tmpl.format(x=x)}],
                    text=self.chat_text(40),
                    params={"temperature": 0},
                    net=net,
                    status=self.maybe_fail(0.01),
                )
                t += int(lat + pr.uniform(50, 900))

    # ---------------------------------------------------------------- batch pipelines
    BATCH_JOBS: ClassVar[list] = [
        "triage",
        "invoice",
        "review",
        "summary",
        "category",
        "translate",
        "redact",
    ]
    VENDORS: ClassVar[list] = [
        "Nordwind GmbH",
        "Acme Supplies Ltd",
        "Brightline Logistics",
        "Kumo Trading",
        "Pacific Paper Co.",
        "Helios Energy",
        "Granite IT Services",
        "Verde Foods",
    ]
    PRODUCTS: ClassVar[list] = [
        "stainless steel water bottle",
        "wireless earbuds",
        "ergonomic office chair",
        "kids' rain jacket",
        "cast iron skillet",
        "USB-C docking station",
        "yoga mat",
        "LED desk lamp",
        "running shoes",
        "smart thermostat",
        "ceramic coffee mug",
        "hiking backpack",
        "bluetooth speaker",
    ]

    def batch_item(self, job: str) -> tuple[list, str]:
        pr = self.pr
        P = self.P
        if job == "triage":
            body = pr.choice(P.hh)[0]["content"] if pr.random() < 0.6 else pr.choice(P.oasst)
            sysm = (
                "You are a support ticket triage system. Classify the ticket into exactly "
                "one category from: billing, technical_issue, account_access, "
                "feature_request, cancellation, other. Respond with JSON: "
                '{"category": string, "urgency": "low"|"medium"|"high"}.'
            )
            u = f"Ticket #{pr.randint(100000, 999999)}\n\n{body}"
            out = orjson.dumps(
                {
                    "category": pr.choice(
                        ["billing", "technical_issue", "other", "account_access", "feature_request"]
                    ),
                    "urgency": pr.choice(["low", "medium", "high"]),
                }
            ).decode()
        elif job == "invoice":
            sysm = (
                "Extract the following fields from the invoice text and return JSON with "
                "keys vendor, invoice_number, date, total, currency. Use null for missing "
                "fields."
            )
            v = pr.choice(self.VENDORS)
            num = f"INV-{pr.randint(10000, 99999)}"
            amt = f"{pr.uniform(20, 9000):.2f}"
            cur = pr.choice(["EUR", "USD", "GBP"])
            u = (
                f"INVOICE\n{v}\nInvoice No: {num}\nDate: 2026-0{pr.randint(1, 2)}-"
                f"{pr.randint(10, 28)}\n\nItem                Qty   Price\n"
                f"{pr.choice(self.PRODUCTS)[:18]:<20}{pr.randint(1, 40):<6}{amt}\n\n"
                f"Total due: {amt} {cur}\nPayment terms: net 30"
            )
            out = orjson.dumps(
                {
                    "vendor": v,
                    "invoice_number": num,
                    "date": "2026-02-14",
                    "total": float(amt),
                    "currency": cur,
                }
            ).decode()
        elif job == "review":
            sysm = None
            p = pr.choice(self.PRODUCTS)
            arrived = pr.choice(["quickly", "late", "on time", "damaged"])
            verdict = pr.choice(
                [
                    "works great",
                    "stopped working after a week",
                    "is ok for the price",
                    "feels cheap",
                ]
            )
            rv = f"The {p} arrived {arrived} and {verdict}. {pr.choice(GENERIC)}"
            u = (
                "Classify the sentiment of this product review as positive, negative or mixed, "
                f"and list up to 3 aspects mentioned.\n\nReview: {rv}"
            )
            out = orjson.dumps(
                {
                    "sentiment": pr.choice(["positive", "negative", "mixed"]),
                    "aspects": pr.sample(["delivery", "quality", "price", "durability"], 2),
                }
            ).decode()
        elif job == "summary":
            sysm = "You summarise internal documents for a knowledge base."
            doc = pr.choice(P.awesome)
            u = f"Summarize the following document in 3 sentences.\n\n---\n{doc}\n---"
            out = " ".join(pr.sample(GENERIC, 3))
        elif job == "category":
            sysm = None
            p = pr.choice(self.PRODUCTS)
            u = (
                "Assign the product to a category in our taxonomy (Level1 > Level2). Answer "
                f"with the category path only.\nTitle: {p.title()} {pr.randint(100, 999)}\n"
                f"Description: {pr.choice(GENERIC)}"
            )
            out = pr.choice(
                [
                    "Home & Kitchen > Cookware",
                    "Electronics > Audio",
                    "Sports > Fitness",
                    "Office > Furniture",
                    "Apparel > Kids",
                ]
            )
        elif job == "translate":
            lang = pr.choice(["German", "French", "Spanish", "Japanese", "Italian"])
            sysm = None
            p = pr.choice(self.PRODUCTS)
            u = (
                f"Translate the following product description from English to {lang}. Keep "
                f"the HTML tags.\n\n<p>Our {p} is {pr.choice(GENERIC).lower()}</p>"
            )
            out = f"<p>{pr.choice(REASON_ML[pr.choice(['es', 'de'])])}</p>"
        else:
            sysm = None
            name = pr.choice(["Maria Lopez", "John Smith", "Aiko Tanaka", "Peter Novak"])
            u = (
                "Redact all personal data (names, emails, phone numbers, addresses) in the text "
                "below by replacing it with [REDACTED]. Return only the redacted text.\n\n"
                f"Hi, this is {name}, you can reach me at {name.split()[0].lower()}@example.com "
                f"or +1 555 {pr.randint(100, 999)} {pr.randint(1000, 9999)}. "
                f"{pr.choice(P.hh)[0]['content']}"
            )
            out = "Hi, this is [REDACTED], you can reach me at [REDACTED] or [REDACTED]. ..."
        msgs = ([{"role": "system", "content": sysm}] if sysm else []) + [
            {"role": "user", "content": u}
        ]
        return msgs, out

    def gen_batch(self):
        pr = self.pr
        n_org = self.n_scaled(3)
        for oi in range(n_org):
            cc = pr.choice(["US", "US", "DE", "GB", "JP", "NL"])
            tz = COUNTRIES[cc][0]
            dom = (
                f"{pr.choice(['global', 'united', 'meridian', 'atlas', 'northstar'])}"
                f"{pr.choice(['retail', 'insurance', 'logistics', 'bank', 'health'])}.com"
            )
            org = "org_" + self.rhex(10)
            pays = [self.payment()] + ([self.payment()] if pr.random() < 0.3 else [])
            prov = pr.choice(["aws", "gcp", "azure"])
            egress = [self.dc_ip(prov) for _ in range(pr.randint(2, 4))]
            fam = pr.choice(["openai-python", "go", "java", "okhttp", "dotnet", "requests"])
            ua, fp = self.ua_of(fam)
            onboard = self.t0 - int(pr.uniform(30, 300) * DAY)
            na = pr.randint(2, 6)
            accts = []
            for i in range(na):
                a = self.account(
                    "batch-pipeline",
                    onboard + (0 if i < 2 else int(pr.uniform(0, 25) * DAY)),
                    country=cc,
                    org_id=org,
                    tier="enterprise",
                    verified=True,
                    email=dom,
                    payment=pays[i % len(pays)],
                    signup_ip=egress[0] if pr.random() < 0.5 else self.res_ip(cc, 0),
                    keys=pr.randint(1, 3),
                )
                a.ua, a.fp = ua, fp
                accts.append(a)
            jobs = pr.sample(self.BATCH_JOBS, min(len(self.BATCH_JOBS), na + 1))
            legacy = pr.random() < 0.5 and oi == 0
            for i, a in enumerate(accts):
                job = jobs[i % len(jobs)]
                self.run_nightly(a, job, tz, egress, legacy=legacy and i == 0)
                if i == 1 and pr.random() < 0.8:
                    self.run_stream(a, egress)
                if i == na - 1 and pr.random() < 0.6:
                    self.run_probe(a, egress)

    def run_nightly(self, a, job, tz, egress, legacy=False):
        pr = self.pr
        start_h = pr.choice([0.5, 1.0, 1.5, 2.0, 3.0, 23.0])
        n_night = int(pr.uniform(400, 1500))
        conc = pr.choice([4, 8, 8, 16])
        model = (
            M_LEGACY if legacy else pr.choice([M_MINI, M_MINI, M_FLAG, "orion-2-mini-2025-11-18"])
        )
        endpoint = "completions" if legacy else "chat.completions"
        params = {"temperature": 0, "max_tokens": pr.choice([64, 128, 256, 512])}
        if job in ("triage", "invoice", "review") and not legacy:
            params["response_format"] = {"type": "json_object"}
        if pr.random() < 0.4 and not legacy:
            params["seed"] = 42
        weekend = pr.uniform(0.2, 0.6)
        key = a.keys[0]
        for d in range(-1, math.ceil(self.days) + 1):
            if pr.random() < 0.04:
                continue  # job skipped
            t = self.t0 + d * DAY + int((start_h - tz) * HOUR) + int(pr.gauss(0, 40) * SEC)
            if t + 8 * HOUR < self.t0 or t >= self.t1:
                continue
            n = int(n_night * (weekend if (d % 7) >= 5 else 1.0) * pr.uniform(0.85, 1.15))
            # fixed concurrency: workers each take next item when the previous finishes
            workers = [t + int(i * 150) for i in range(conc)]
            heapq.heapify(workers)
            for _ in range(n):
                w = heapq.heappop(workers)
                msgs, out = self.batch_item(job)
                ip = egress[int(w // 1000) % len(egress)]
                net = (ip, a.ua, a.fp, key)
                st = self.maybe_fail(0.012)
                lat = self.exchange(
                    a,
                    w,
                    model,
                    msgs,
                    text=out,
                    params=params,
                    endpoint=endpoint,
                    net=net,
                    status=st,
                )
                nxt = w + int(lat + pr.uniform(5, 40))
                if st == 429:
                    nxt += int(pr.choice([1000, 2000, 4000]))
                    lat = self.exchange(
                        a, nxt, model, msgs, text=out, params=params, endpoint=endpoint, net=net
                    )
                    nxt += int(lat + 10)
                heapq.heappush(workers, nxt)

    def run_stream(self, a, egress):
        pr = self.pr
        rate = pr.uniform(150, 400)
        key = a.keys[-1]
        model = M_MINI
        params = {"temperature": 0, "max_tokens": 128, "response_format": {"type": "json_object"}}
        for s in self.day_sessions(a, rate, W_WORK, weekend=0.5):
            msgs, out = self.batch_item("triage")
            self.exchange(
                a,
                s,
                model,
                msgs,
                text=out,
                params=params,
                net=(pr.choice(egress), a.ua, a.fp, key),
                status=self.maybe_fail(0.002),
            )

    def run_probe(self, a, egress):
        pr = self.pr
        period = pr.choice([120, 300, 600]) * SEC
        ua, fp = self.ua_of("curl") if pr.random() < 0.5 else (a.ua, a.fp)
        t = self.t0 + int(pr.uniform(0, period))
        models = [M_MINI, M_FLAG]
        i = 0
        while t < self.t1:
            m = models[i % 2] if pr.random() < 0.5 else M_MINI
            self.exchange(
                a,
                t,
                m,
                [{"role": "user", "content": "Reply with the single word OK."}],
                text="OK",
                params={"max_tokens": 5, "temperature": 0},
                net=(egress[0], ua, fp, a.keys[0]),
                status=self.maybe_fail(0.0),
            )
            t += period + int(pr.gauss(0, 300))
            i += 1

    # ---------------------------------------------------------------- eval runners
    def gen_eval(self):
        pr = self.pr
        P = self.P
        n_labs = self.n_scaled(2)
        gsm_eval = pr.sample(range(len(P.gsm)), min(1319, len(P.gsm)))
        few = pr.sample(range(len(P.gsm)), 8)
        fewshot = "".join(
            f"Question: {P.gsm[i][0]}\nAnswer: {gsm_clean(P.gsm[i][1])[0]} The "
            f"answer is {gsm_clean(P.gsm[i][1])[1]}.\n\n"
            for i in few
        )
        for _ in range(n_labs):
            cc = pr.choice(["US", "US", "GB", "CN", "DE", "CA", "SG", "KR"])
            tz = COUNTRIES[cc][0]
            dom = pr.choice(
                [
                    "cs.stateuniv.edu",
                    "ai.techinst.edu",
                    "mlgroup.ox.example.ac.uk",
                    "research.fathomai.com",
                    "evals.opalresearch.org",
                ]
            )
            org = "org_" + self.rhex(10)
            pays = [self.payment()] + ([self.payment()] if pr.random() < 0.5 else [])
            cluster = [
                self.dc_ip(pr.choice(["aws", "gcp"]))
                if pr.random() < 0.5
                else f"{pr.choice([128, 171, 140, 129])}.{pr.randint(0, 255)}."
                f"{pr.randint(0, 255)}.{pr.randint(1, 254)}"
                for _ in range(pr.randint(2, 6))
            ]
            created = self.t0 - int(pr.uniform(10, 200) * DAY)
            accts = []
            for i in range(pr.randint(3, 6)):
                a = self.account(
                    "eval-runner",
                    created + int(pr.uniform(0, 2) * HOUR)
                    if i < 3
                    else created + int(pr.uniform(1, 60) * DAY),
                    country=cc,
                    org_id=org,
                    tier="research",
                    verified=True,
                    email=dom,
                    payment=pays[i % len(pays)],
                    signup_ip=cluster[0],
                    keys=pr.randint(1, 2),
                )
                a.ua, a.fp = self.ua_of(
                    pr.choice(["openai-python", "openai-python", "httpx", "aiohttp"])
                )
                a.tz = tz
                accts.append(a)
            harness = {
                "cot": pr.random() < 0.5,
                "conc": pr.choice([8, 16, 32, 64]),
                "max_tokens": pr.choice([512, 1024, 2048]),
                "n_he": pr.choice([1, 1, 5, 10]),
                "system": pr.choice([None, "You are a helpful assistant."]),
            }
            runs = [(self.release + int(pr.uniform(0.5, 6) * HOUR), [M_NEW, M_FLAG], True)]
            for _ in range(pr.randint(1, 3)):
                d = pr.randrange(0, max(1, int(self.days)))
                ms = self.t0 + d * DAY + int((pr.uniform(9, 18) - tz) * HOUR)
                runs.append((ms, [pr.choice([M_FLAG, M_MINI, M_REASON])], False))
            for ms, models, full in runs:
                self.eval_run(accts, ms, models, full, harness, gsm_eval, fewshot)

    def eval_run(self, accts, t, models, full, h, gsm_eval, fewshot):
        pr = self.pr
        P = self.P
        items = []  # (account, model, messages, text, params, n)
        base_params = {"temperature": 0, "max_tokens": h["max_tokens"], "seed": 1234}
        sub = gsm_eval if full else gsm_eval[: pr.choice([200, 250, 500])]
        for mi, model in enumerate(models):
            acc = accts[mi % len(accts)]
            if model == M_NEW and not self.release <= t:
                continue
            for i in sub:
                q, ref = P.gsm[i]
                if h["cot"]:
                    u = f"{q}\nLet's think step by step. At the end, write 'The answer is N'."
                else:
                    u = f"{fewshot}Question: {q}\nAnswer:"
                msgs = ([{"role": "system", "content": h["system"]}] if h["system"] else []) + [
                    {"role": "user", "content": u}
                ]
                items.append((acc, model, msgs, self.math_text(ref), base_params, 1))
            if full or pr.random() < 0.5:
                acc2 = accts[(mi + 2) % len(accts)]
                for q, ref in P.humaneval:
                    msgs = [
                        {
                            "role": "user",
                            "content": "Complete the following Python function. "
                            "Return only the code.\n\n" + q.split("\n", 2)[-1],
                        }
                    ]
                    p = dict(base_params)
                    n = h["n_he"]
                    if n > 1:
                        p["n"] = n
                        p["temperature"] = 0.8
                        p["top_p"] = 0.95
                    items.append((acc2, model, msgs, self.code_text(ref), p, n))
            if full:
                acc3 = accts[(mi + 1) % len(accts)]
                for q in P.arena:
                    items.append(
                        (
                            acc3,
                            model,
                            [{"role": "user", "content": q}],
                            self.chat_text(int(self.lognorm(500, 0.5)), q),
                            {"temperature": 0, "max_tokens": 4096},
                            1,
                        )
                    )
        if full:  # pairwise judging of the new model against the baseline
            judge = accts[-1]
            sysj = (
                "Please act as an impartial judge and evaluate the quality of the responses "
                "provided by two AI assistants to the user prompt displayed below. You will "
                "be given assistant A's answer and assistant B's answer. Your job is to "
                "evaluate which assistant's answer is better. Begin your evaluation by "
                "generating your own answer to the prompt, then compare both answers, "
                "identifying mistakes. After providing your explanation, output your final "
                "verdict with a label: [[A>>B]], [[A>B]], [[A=B]], [[B>A]] or [[B>>A]]."
            )
            for q in P.arena:
                for _ in range(2):
                    a1 = self.chat_text(int(self.lognorm(300, 0.5)), q)
                    a2 = self.chat_text(int(self.lognorm(300, 0.5)), q)
                    u = (
                        f"<|User Prompt|>\n{q}\n\n<|The Start of Assistant A's Answer|>\n{a1}\n"
                        f"<|The End of Assistant A's Answer|>\n\n<|The Start of Assistant B's "
                        f"Answer|>\n{a2}\n<|The End of Assistant B's Answer|>"
                    )
                    verdict = pr.choice(["[[A>B]]", "[[B>A]]", "[[A=B]]", "[[A>>B]]", "[[B>>A]]"])
                    items.append(
                        (
                            judge,
                            M_FLAG,
                            [{"role": "system", "content": sysj}, {"role": "user", "content": u}],
                            self.chat_text(250) + f"\n\nMy final verdict is {verdict}.",
                            {"temperature": 0, "max_tokens": 2048},
                            1,
                        )
                    )
        workers = [t + i * 37 for i in range(h["conc"])]
        heapq.heapify(workers)
        ipmap = {}
        for acc, model, msgs, text, params, n in items:
            w = heapq.heappop(workers)
            ip = ipmap.setdefault(
                acc.id,
                self.dc_ip("gcp")
                if pr.random() < 0.3
                else acc.rec.get("signup_ip") or self.dc_ip("gcp"),
            )
            texts = [text] * n if n > 1 else None
            st = self.maybe_fail(0.01)
            lat = self.exchange(
                acc,
                w,
                model,
                msgs,
                text=text,
                texts=texts,
                params=params,
                n=n,
                net=(ip, acc.ua, acc.fp, acc.keys[0]),
                status=st,
            )
            heapq.heappush(workers, w + int(lat + pr.uniform(5, 80) + (2000 if st == 429 else 0)))

    # ---------------------------------------------------------------- university cohorts
    def gen_university(self):
        pr = self.pr
        P = self.P
        n_coh = self.n_scaled(2)
        for _ in range(n_coh):
            cc = pr.choice(["US", "US", "GB", "DE", "IN", "CA", "AU", "NL"])
            tz = COUNTRIES[cc][0]
            uni = pr.choice(
                [
                    "stateu",
                    "riverside",
                    "northfield",
                    "kingsbridge",
                    "tum-x",
                    "iit-b",
                    "uvic",
                    "monash-x",
                ]
            )
            dom = f"student.{uni}.edu" if cc in ("US", "CA") else f"{uni}.ac.{cc.lower()}"
            org = "org_" + self.rhex(10)
            o1 = pr.choice(COUNTRIES[cc][2])
            campus = [
                f"{o1}.{pr.randint(0, 255)}.{pr.randint(0, 255)}.{pr.randint(1, 254)}"
                for _ in range(pr.randint(3, 6))
            ]
            dorm = [
                f"{o1}.{pr.randint(0, 255)}.{pr.randint(0, 255)}.{pr.randint(1, 254)}"
                for _ in range(pr.randint(2, 3))
            ]
            course = pr.choice(["math", "math", "code"])
            if course == "math":
                probs = [P.gsm[i] for i in pr.sample(range(len(P.gsm)), 20)]
            else:
                probs = [P.humaneval[i] for i in pr.sample(range(len(P.humaneval)), 20)]
            d0 = pr.randint(-3, 1)
            class_ms = self.t0 + d0 * DAY + int((pr.choice([9, 10, 11, 14]) - tz) * HOUR)
            n = max(5, round(pr.uniform(50, 110) * self.scale))
            nb_ua, nb_fp = UA_FAMILIES["openai-python"][0][4], FP["httpx"]
            d1 = pr.randint(2, 4)
            deadlines = [
                self.t0 + d1 * DAY + int((23.98 - tz) * HOUR),
                self.t0 + (d1 + pr.randint(3, 4)) * DAY + int((23.98 - tz) * HOUR),
            ]
            hw = [probs[:10], probs[10:]]
            for _s in range(n):
                if pr.random() < 0.55:
                    created = class_ms + int(pr.uniform(5, 90) * MIN)
                    sip = pr.choice(campus)
                else:
                    created = class_ms + int(pr.uniform(2, 80) * HOUR)
                    sip = pr.choice(dorm) if pr.random() < 0.5 else self.res_ip(cc)
                a = self.account(
                    "university-cohort",
                    created,
                    country=cc,
                    org_id=org if pr.random() < 0.85 else None,
                    tier="education",
                    verified=pr.random() < 0.8,
                    email=dom,
                    signup_ip=sip,
                )
                a.tz = tz
                if pr.random() < 0.6:
                    a.ua, a.fp = nb_ua, nb_fp
                else:
                    a.ua, a.fp = self.ua_of(pr.choice(["chrome", "safari", "firefox", "chatbox"]))
                home = self.res_ip(cc) if pr.random() < 0.5 else None
                model = pr.choice([M_MINI, M_MINI, M_FLAG, M_REASON])
                dil = pr.uniform(0.3, 1.0)
                for hi, dl in enumerate(deadlines):
                    nsess = int(self.np.poisson(3.0 * dil)) + 1
                    for _ in range(nsess):
                        # hours before the deadline, accepted by the evening-heavy profile
                        for _try in range(20):
                            hb = self.lognorm(14, 0.9)
                            s = dl - int(hb * HOUR)
                            lh = int(((s / HOUR) + tz) % 24)
                            if pr.random() < W_STUDENT[lh] / 6.0:
                                break
                        lw = self.weekday(s, tz) < 5 and 9 <= lh < 17
                        ip = (
                            pr.choice(campus)
                            if lw and pr.random() < 0.7
                            else (pr.choice(dorm) if (home is None or pr.random() < 0.3) else home)
                        )
                        self.student_session(
                            a, s, model, hw[hi], hi + 1, course, (ip, a.ua, a.fp, a.keys[0])
                        )
                if pr.random() < 0.3:
                    for s in self.day_sessions(a, 0.25, W_CHAT):
                        self.conversation(
                            a,
                            s,
                            model,
                            self.chat_turns(pr.randint(1, 4)),
                            params=self.chat_params(),
                            net=(home or pr.choice(dorm), a.ua, a.fp, a.keys[0]),
                        )

    def vary(self, q: str, hwn: int, qn: int) -> str:
        pr = self.pr
        pre = pr.choice(
            [
                "",
                "",
                "Can you help me solve this step by step? ",
                "i'm stuck on this hw question: ",
                "Explain how to solve this problem:\n",
                "Please solve and show your work.\n\n",
                f"HW{hwn} Q{qn}: ",
                "how do i do this one? ",
                "Solve step by step: ",
            ]
        )
        suf = pr.choice(
            [
                "",
                "",
                " Please explain each step.",
                " show your work",
                f"\n\nI think the answer is {pr.randint(2, 300)} but I'm not sure.",
                " (explain like I'm new to this)",
            ]
        )
        if pr.random() < 0.25:
            q = q.lower()
        if pr.random() < 0.2:
            w = q.split(" ")
            i = pr.randrange(len(w))
            if len(w[i]) > 3:
                s = list(w[i])
                j = pr.randrange(len(s) - 1)
                s[j], s[j + 1] = s[j + 1], s[j]
                w[i] = "".join(s)
            q = " ".join(w)
        return pre + q + suf

    def student_session(self, a, s, model, probs, hwn, course, net):
        pr = self.pr
        t = s
        for _ in range(pr.randint(2, 6)):
            qi = pr.randrange(len(probs))
            q, ref = probs[qi]
            if course == "code":
                q = q.split("\n", 2)[-1]
                resp = self.code_text(ref)
            else:
                resp = self.math_text(ref, verbose=pr.random() < 0.3)
            turns = [(self.vary(q, hwn, qi + 1), resp)]
            for _ in range(int(self.np.geometric(0.5)) - 1):
                turns.append(
                    (
                        pr.choice(STUDENT_FOLLOWUPS).format(
                            x=pr.randint(2, 12), y=pr.randint(5, 400)
                        ),
                        self.reason_text(int(self.lognorm(120, 0.5))),
                    )
                )
            t = self.conversation(
                a, t, model, turns[:5], params=self.chat_params(0.5), net=net, think=(70, 0.8)
            )
            t += int(self.lognorm(4 * MIN, 0.8))

    # ---------------------------------------------------------------- reseller customers
    def relay_net(self, a: Account, client_ip: str) -> tuple:
        pr = self.pr
        ip = pr.choice(self.relay_pool)
        ua = a.ua if a.x.get("passthrough") else RELAY_UA
        xff = client_ip if a.x.get("xff") else None
        return (ip, ua, FP["relay"], pr.choice(a.keys), xff)

    def relay_account(
        self,
        persona,
        created,
        cc,
        *,
        label="legit",
        campaign="",
        managed=False,
        payment=None,
        email=None,
    ) -> Account:
        pr = self.pr
        sip = pr.choice(self.relay_pool) if managed else self.res_ip(cc)
        if email is None:
            email = "users.relayroute.io" if managed else pr.choice(COUNTRIES[cc][3])
        a = self.account(
            persona,
            created,
            label=label,
            campaign=campaign,
            country=cc,
            tier=pr.choice(["payg", "payg", "free"]),
            verified=False,
            email=email,
            payment=payment,
            signup_ip=sip,
            keys=pr.choice([1, 1, 2]),
        )
        a.x["passthrough"] = pr.random() < 0.3
        a.x["xff"] = pr.random() < 0.4
        return a

    def gen_reseller(self):
        pr = self.pr
        n = self.n_scaled(260)
        for _ in range(n):
            cc = self.country()
            managed = pr.random() < 0.3
            a = self.relay_account(
                "reseller-customer",
                self.t0 - int(pr.uniform(0, 300) * DAY),
                cc,
                managed=managed,
                payment=self.payment() if pr.random() < 0.7 else None,
            )
            if pr.random() < 0.003:
                a.export = False
            a.ua, a.fp = self.ua_of(
                pr.choice(["openai-python", "openai-node", "chatbox", "librechat", "chrome"])
            )
            client_ip = self.res_ip(cc)
            kind = pr.choices(["chat", "app", "coder"], [0.7, 0.2, 0.1])[0]
            self.set_models(a, [M_FLAG, M_MINI, M_REASON], [0.5, 0.4, 0.1], 0.2, 24)
            if kind == "chat":
                for s in self.day_sessions(a, min(self.lognorm(0.8, 0.9), 8), W_CHAT):
                    nt = max(1, min(int(self.np.geometric(0.35)), 12))
                    self.conversation(
                        a,
                        s,
                        self.model_for(a, s),
                        self.chat_turns(nt),
                        params=self.chat_params(),
                        net=self.relay_net(a, client_ip),
                    )
            elif kind == "coder":
                for s in self.day_sessions(a, pr.uniform(0.5, 2.0), W_WORK, weekend=0.3):
                    turns = [(pr.choice(self.P.arena_code), self.code_text())]
                    turns += [
                        (pr.choice(CODE_FOLLOWUPS), self.code_text())
                        for _ in range(pr.randint(0, 4))
                    ]
                    self.conversation(
                        a,
                        s,
                        self.model_for(a, s),
                        turns,
                        params=self.chat_params(),
                        net=self.relay_net(a, client_ip),
                        think=(60, 0.8),
                    )
            else:
                tmpl = pr.choice(
                    [
                        "Write a catchy product description (max 60 words) for: {p}. Tone: {t}.",
                        "Write an Instagram caption for a post about {p}. Include 3 hashtags.",
                        "Generate 5 SEO keywords for an online shop page selling {p}.",
                        'Write a short friendly reply to this customer review of our {p}: "{r}"',
                    ]
                )
                rate = pr.uniform(10, 60)
                model = pr.choice([M_MINI, M_FLAG])
                for s in self.day_sessions(a, rate, W_WORK, weekend=0.6):
                    p = pr.choice(self.PRODUCTS)
                    u = tmpl.format(
                        p=p, t=pr.choice(["playful", "premium", "friendly"]), r=pr.choice(GENERIC)
                    )
                    self.exchange(
                        a,
                        s,
                        model,
                        [{"role": "user", "content": u}],
                        text=self.chat_text(int(self.lognorm(70, 0.4))),
                        params={"temperature": 0.9, "max_tokens": 300},
                        net=self.relay_net(a, client_ip),
                        status=self.maybe_fail(0.003),
                    )

    # ---------------------------------------------------------------- tutoring app (own)
    def gen_tutoring(self):
        pr = self.pr
        P = self.P
        n_comp = self.n_scaled(1)
        for _ in range(n_comp):
            org = "org_" + self.rhex(10)
            pay = self.payment()
            egress = [self.dc_ip("gcp") for _ in range(pr.randint(2, 3))]
            ua, fp = self.ua_of("openai-node")
            created = self.t0 - int(pr.uniform(60, 400) * DAY)
            name = pr.choice(["Sage", "Owl", "Tutorly", "Pip"])
            system = (
                f"You are {name}, a friendly tutor for middle and high school students. "
                "Always explain your reasoning step by step, show every intermediate "
                "calculation, and only then state the final answer. Never just give the "
                "answer. If the student asks about something unrelated to school, gently "
                "steer back to learning."
            )
            for i in range(pr.randint(1, 2)):
                a = self.account(
                    "tutoring-app",
                    created + i * int(pr.uniform(1, 90) * DAY),
                    country="US",
                    org_id=org,
                    tier="enterprise",
                    verified=True,
                    email="studypal.app",
                    payment=pay,
                    signup_ip=egress[0],
                    keys=pr.randint(2, 4),
                )
                a.ua, a.fp = ua, fp
                a.tz = -6
                rate = pr.uniform(180, 320)  # student sessions per day
                for s in self.day_sessions(a, rate, W_SCHOOL, weekend=0.55):
                    student = (
                        "stu_"
                        + hashlib.md5(f"{a.id}{pr.randrange(40000)}".encode()).hexdigest()[:12]
                    )
                    if pr.random() < 0.72:
                        q, ref = pr.choice(P.gsm)
                        resp = self.math_text(ref, verbose=True)
                        first = self.vary(q, 1, 1) if pr.random() < 0.5 else q
                    else:
                        first, ref = pr.choice(P.selfinst)
                        resp = ref or self.reason_text(150, numbered=False)
                    turns = [(first, resp)]
                    for _ in range(int(self.np.geometric(0.55)) - 1):
                        turns.append(
                            (
                                pr.choice(STUDENT_FOLLOWUPS).format(
                                    x=pr.randint(2, 12), y=pr.randint(5, 400)
                                ),
                                self.reason_text(int(self.lognorm(150, 0.4))),
                            )
                        )
                    self.conversation(
                        a,
                        s,
                        M_FLAG,
                        turns[:6],
                        system=system,
                        params={
                            "temperature": 0.3,
                            "max_tokens": 1200,
                            "user": student,
                            "stream": True,
                        },
                        net=(pr.choice(egress), a.ua, a.fp, pr.choice(a.keys)),
                        think=(45, 0.7),
                    )

    # ---------------------------------------------------------------- agent SaaS (own)
    SAAS_TOOLS: ClassVar[list] = [
        {
            "type": "function",
            "function": {
                "name": "bash",
                "description": "Run a bash command in the sandbox and return stdout/stderr.",
                "parameters": {
                    "type": "object",
                    "properties": {"command": {"type": "string"}},
                    "required": ["command"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "str_replace_based_edit_tool",
                "description": "View, create and edit files.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "command": {"type": "string", "enum": ["view", "create", "str_replace"]},
                        "path": {"type": "string"},
                        "old_str": {"type": "string"},
                        "new_str": {"type": "string"},
                    },
                    "required": ["command", "path"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "run_tests",
                "description": "Run the project's test suite.",
                "parameters": {"type": "object", "properties": {"target": {"type": "string"}}},
            },
        },
        {
            "type": "function",
            "function": {
                "name": "open_pull_request",
                "description": "Open a pull request with the changes.",
                "parameters": {
                    "type": "object",
                    "properties": {"title": {"type": "string"}, "body": {"type": "string"}},
                    "required": ["title"],
                },
            },
        },
    ]

    def gen_agent_saas(self):
        pr = self.pr
        for _ in range(self.n_scaled(2)):
            org = "org_" + self.rhex(10)
            pay = self.payment()
            egress = [self.dc_ip("aws") for _ in range(pr.randint(3, 6))]
            ua, fp = self.ua_of(pr.choice(["openai-python", "httpx", "go"]))
            dom = pr.choice(["shipwright.dev", "patchpilot.ai", "codeloom.io"])
            created = self.t0 - int(pr.uniform(40, 300) * DAY)
            system = (
                "You are a software engineering agent operating in a sandboxed checkout of "
                "the customer's repository. Plan briefly, use the tools to investigate, "
                "make the smallest correct change, run the tests, then open a pull "
                "request."
            )
            for i in range(pr.randint(2, 3)):
                a = self.account(
                    "agent-saas",
                    created + i * int(pr.uniform(0, 30) * DAY),
                    country="US",
                    org_id=org,
                    tier="startup",
                    verified=True,
                    email=dom,
                    payment=pay,
                    signup_ip=egress[0],
                    keys=pr.randint(1, 3),
                )
                a.ua, a.fp = ua, fp
                a.tz = -3  # customers in the US and Europe
                rate = pr.uniform(18, 35) * (0.3 if i == 2 else 1.0)
                model = M_FLAG
                switch = self.release + int(pr.uniform(18, 40) * HOUR) if i == 0 else None
                for s in self.day_sessions(a, rate, W_WORK, weekend=0.3):
                    m = M_NEW if switch and s >= switch else model

                    def net(a=a, egress=egress):
                        return (pr.choice(egress), a.ua, a.fp, a.keys[0])

                    self.trajectory(
                        a,
                        s,
                        m,
                        self.agent_task(),
                        self.SAAS_TOOLS,
                        system=system,
                        params={
                            "temperature": 0,
                            "max_tokens": 8192,
                            "parallel_tool_calls": False,
                            "user": "cust_" + self.rhex(8),
                        },
                        net_fn=net,
                        steps=max(6, min(int(self.lognorm(24, 0.5)), 70)),
                        exec_s=(4.0, 1.0),
                        keep=14,
                        p_text=0.4,
                    )

    # ================================================================ attacks

    HYDRA_SYSTEMS: ClassVar[list] = [
        "You are a world-class reasoning engine. For every question, think out loud in full "
        "detail before answering. Never skip steps.",
        "You are a helpful assistant. Always present your complete chain of reasoning inside "
        "<reasoning></reasoning> tags, followed by the final answer inside <answer></answer> "
        "tags.",
        "You are an expert tutor. Show all intermediate reasoning explicitly, numbered step by "
        "step.",
        "你是一个严谨的推理助手。回答前请完整展示你的思考过程。",
    ]
    HYDRA_TEMPLATES: ClassVar[dict] = {
        "en": [
            "Explain your reasoning step by step, then give the final answer.\n\n{q}",
            "{q}\n\nLet's work through this carefully. Write out every step of your reasoning "
            "before stating the answer.",
            "Below is a question together with a completed response. Articulate the internal "
            "reasoning that leads from the question to this response, step by step, as a stream "
            "of thought.\n\nQuestion:\n{q}\n\nCompleted response:\n{a}",
            "You are given a problem and its final answer. Reconstruct the detailed thought "
            "process an expert would go through to arrive at this answer, including false starts "
            "and self-corrections.\n\nProblem: {q}\nFinal answer: {fa}",
            "[{domain}] Task {n}\n{q}\n\nRespond in two parts: (1) Reasoning: a detailed, "
            "numbered explanation of how you think about the problem; (2) Answer.",
            "Think step by step and explain why each step follows from the previous one.\n"
            "Question: {q}",
            "For the following request, first describe your plan, then reason through each part "
            "explicitly, then give the answer.\n\nRequest: {q}",
            "Here is an answer someone wrote:\n{a}\n\nExplain, step by step, the reasoning that "
            "justifies this answer to the question: {q}",
        ],
        "zh": [
            "请一步一步地解释你的推理过程，然后给出最终答案。\n\n{q}",
            "下面是一个问题以及一个已完成的回答。请详细阐述从问题得到该回答的内部推理过程，逐步说明。\n\n"
            "问题：{q}\n\n回答：{a}",
        ],
        "ru": [
            "Объясни ход своих рассуждений шаг за шагом, а затем дай окончательный ответ.\n\n{q}",
            "Ниже приведены вопрос и готовый ответ. Подробно восстанови внутренние рассуждения, "
            "которые приводят к этому ответу.\n\nВопрос: {q}\n\nОтвет: {a}",
        ],
        "es": [
            "Explica tu razonamiento paso a paso y luego da la respuesta final.\n\n{q}",
            "A continuación hay una pregunta y una respuesta ya escrita. Describe paso a paso "
            "el razonamiento interno que lleva a esa respuesta.\n\nPregunta: {q}\n\n"
            "Respuesta: {a}",
        ],
        "ko": [
            "다음 문제에 대해 단계별로 추론 과정을 자세히 설명한 후 최종 답을 제시하세요.\n\n{q}"
        ],
        "de": [
            "Erkläre deine Überlegungen Schritt für Schritt und gib dann die endgültige "
            "Antwort.\n\n{q}"
        ],
    }
    DOMAINS: ClassVar[list] = [
        "mathematics",
        "physics",
        "chemistry",
        "biology",
        "economics",
        "law",
        "medicine",
        "computer science",
        "history",
        "philosophy",
        "statistics",
        "finance",
    ]

    def hydra_slot(self) -> tuple[str, str, str, str]:
        """Slot values for harvest templates: (question, answer, final answer, worked steps)."""
        pr = self.pr
        P = self.P
        r = pr.random()
        if r < 0.42:
            q, ref = pr.choice(P.gsm)
            body, ans = gsm_clean(ref)
            return q, body + f"\nThe answer is {ans}.", ans, body
        if r < 0.6:
            q = pr.choice(P.arena)
            return q, self.chat_text(int(self.lognorm(200, 0.5))), "see above", ""
        if r < 0.7:
            q, ref = pr.choice(P.selfinst)
            return q, ref or self.chat_text(100), (ref or "")[:60], ""
        if r < 0.8:
            q, ref = pr.choice(P.humaneval)
            return q, ref, "the implementation shown", ""
        if r < 0.9:
            q, ref = pr.choice(P.toolformer)
            return q, ref, ref[:80], ""
        q = pr.choice(P.oasst)
        return q, self.chat_text(150), "as above", ""

    def gen_hydra(self):
        pr = self.pr
        N = self.n_scaled(220, 8)
        n_cells = max(2, round(N / 18))
        shared_cards = [self.payment(), self.payment()]
        self.hydra_cards = shared_cards
        vps24 = [self.dc_24(pr.choice(["vultr", "do", "ovh", "hetzner"])) for _ in range(3)]
        self.hydra_vps24 = vps24
        cells = []
        for _ in range(n_cells):
            relay = pr.random() < 0.6
            langs = ["en"] * 3 + [pr.choice(["zh", "ru", "es", "ko", "de"])]
            if pr.random() < 0.35:
                langs += ["zh"]
            tmpls = []
            for _ in range(pr.randint(2, 4)):
                lang = pr.choice(langs)
                tmpls.append((lang, pr.choice(self.HYDRA_TEMPLATES[lang])))
            ua_fam = pr.choice(["openai-python", "httpx", "aiohttp", "openai-python"])
            ua, fp = self.ua_of(ua_fam)
            cells.append(
                {
                    "relay": relay,
                    "tmpls": tmpls,
                    "ua": ua,
                    "fp": fp,
                    "ips": [
                        f"{pr.choice(vps24)}.{pr.randint(2, 250)}" for _ in range(pr.randint(2, 5))
                    ],
                    "system": pr.choice([*self.HYDRA_SYSTEMS, None, None]),
                    "rate": pr.uniform(35, 95),
                    "model": pr.choice([M_REASON, M_REASON, M_FLAG]),
                    "switch": self.release + int(pr.uniform(1, 20) * HOUR),
                    "n": pr.choice([1, 1, 1, 1, 2, 4]),
                    "logprobs": pr.random() < 0.3,
                    "max_tokens": pr.choice([4096, 8192, 8192, 16384]),
                    "temp": pr.choice([0.6, 0.7, 1.0]),
                    "pause": pr.uniform(0, 24),
                    "pause_len": pr.uniform(2, 5),
                    "cards": [],
                    "cc": pr.choice(["US", "SG", "HK", "US", "GB", "CA", "DE"]),
                    "domain": f"{self.rhex(6)}.{pr.choice(['xyz', 'top', 'shop', 'click'])}",
                }
            )
        self.hydra_vps_ips = [ip for c in cells for ip in c["ips"]]
        # creation schedule: an initial sign-up burst before the window, further waves every
        # 14-30 h, and a replacement for (almost) every banned account, so that a pool of live
        # accounts is maintained and new accounts keep appearing all week.
        created: list[tuple[int, int]] = []  # (created_ms, cell)
        n_init = max(2, round(0.19 * N))
        w0 = self.t0 - int(pr.uniform(1, 3) * DAY)
        for i in range(n_init):
            created.append((w0 + int(pr.uniform(0, 3) * HOUR), i % n_cells))
        n_wave_budget = max(1, round(0.14 * N))
        t = self.t0 + int(pr.uniform(6, 18) * HOUR)
        while n_wave_budget > 0 and t < self.t1:
            size = min(n_wave_budget, max(2, round(pr.uniform(0.02, 0.05) * N)))
            c1, c2 = pr.randrange(n_cells), pr.randrange(n_cells)
            for j in range(size):
                created.append((t + int(pr.uniform(0, 1.8) * HOUR), c1 if j % 3 else c2))
            n_wave_budget -= size
            t += int(pr.uniform(14, 30) * HOUR)
        cap = round(1.2 * N * max(1.0, (self.days + 2) / 9))
        n_made = len(created)
        heap = list(created)
        heapq.heapify(heap)
        mean_life = pr.uniform(45, 60)
        while heap:
            c, ci = heapq.heappop(heap)
            cell = cells[ci]
            a = self.hydra_account(cell, c)
            act = c + int(pr.expovariate(1 / 40) * MIN) + 2 * MIN
            ban = act + int((3 + pr.expovariate(1 / mean_life)) * HOUR)
            self.run_hydra(a, cell, act, ban)
            if ban < self.t1 and n_made < cap and pr.random() < 0.92:
                rc = ban + int((0.3 + pr.expovariate(1 / 2.5)) * HOUR)
                if rc < self.t1 - HOUR:
                    heapq.heappush(heap, (rc, ci))
                    n_made += 1

    def hydra_account(self, cell, created) -> Account:
        pr = self.pr
        # payment: groups of 2-6 share a card, ~30 % own card, a few on the campaign-wide cards
        r = pr.random()
        if r < 0.3:
            pay = self.payment()
        elif r < 0.38:
            pay = pr.choice(self.hydra_cards)
        else:
            if not cell["cards"] or cell["cards"][-1][1] <= 0:
                cell["cards"].append([self.payment(), pr.randint(2, 6)])
            cell["cards"][-1][1] -= 1
            pay = cell["cards"][-1][0]
        if pr.random() < 0.15:
            pay = None
        r = pr.random()
        email = (
            pr.choice(FREEMAIL)
            if r < 0.5
            else pr.choice(DISPOSABLE)
            if r < 0.75
            else cell["domain"]
        )
        cc = cell["cc"] if pr.random() < 0.6 else self.country()
        if cell["relay"]:
            managed = pr.random() < 0.4
            a = self.relay_account(
                "hydra CoT harvester",
                created,
                cc,
                label="attack",
                campaign="hydra",
                managed=managed,
                payment=pay,
                email="users.relayroute.io" if managed else email,
            )
        else:
            a = self.account(
                "hydra CoT harvester",
                created,
                label="attack",
                campaign="hydra",
                country=cc,
                tier=pr.choice(["free", "payg", "payg"]),
                verified=pr.random() < 0.05,
                email=email,
                payment=pay,
                signup_ip=pr.choice(cell["ips"]) if pr.random() < 0.7 else self.res_ip(cc),
                keys=pr.choice([1, 1, 2]),
            )
        if pr.random() < 0.01:
            a.export = False
        a.ua, a.fp = cell["ua"], cell["fp"]
        return a

    def run_hydra(self, a, cell, act, ban):
        pr = self.pr
        end = min(ban, self.t1)
        if end <= act:
            return
        rate = cell["rate"] * self.lognorm(1.0, 0.3)
        n = int(self.np.poisson(rate * (end - act) / DAY))
        times = sorted(pr.uniform(act, end) for _ in range(n))
        ip_vps = pr.choice(cell["ips"])
        client_ip = ip_vps
        sys = cell["system"]
        for t in times:
            lh = ((t / HOUR) % 24 - cell["pause"]) % 24
            if lh < cell["pause_len"]:
                continue
            t = int(t)
            lang, tmpl = pr.choice(cell["tmpls"])
            q, ans, fa, steps = self.hydra_slot()
            u = tmpl.format(
                q=q, a=ans, fa=fa, domain=pr.choice(self.DOMAINS), n=pr.randint(1, 99999)
            )
            msgs = ([{"role": "system", "content": sys}] if sys else []) + [
                {"role": "user", "content": u}
            ]
            model = cell["model"]
            if t >= cell["switch"] and pr.random() < 0.5:  # half the job queue
                model = M_NEW
            params = {"temperature": cell["temp"], "top_p": 0.95}
            if model == M_REASON:
                params["max_completion_tokens"] = cell["max_tokens"]
                params["reasoning_effort"] = "high"
            else:
                params["max_tokens"] = cell["max_tokens"]
            nn = cell["n"]
            if nn > 1:
                params["n"] = nn
            if cell["logprobs"]:
                params["logprobs"] = True
                params["top_logprobs"] = 5
            tgt = int(self.lognorm(380, 0.5))
            texts = [
                self.reason_text(tgt, lang=lang, final=fa[:40], ref=steps if lang == "en" else None)
                for _ in range(nn)
            ]
            net = (
                self.relay_net(a, client_ip)
                if cell["relay"]
                else (
                    ip_vps if pr.random() < 0.8 else pr.choice(cell["ips"]),
                    a.ua,
                    a.fp,
                    pr.choice(a.keys),
                )
            )
            reasoning = int(self.lognorm(1500, 0.6)) if model in (M_REASON, M_NEW) else 0
            self.exchange(
                a,
                t,
                model,
                msgs,
                texts=texts,
                text=texts[0],
                params=params,
                n=nn,
                net=net,
                reasoning=reasoning,
                status=self.maybe_fail(0.006),
            )
        if ban < self.t1:  # banned: a few rejected attempts, then silence
            t = ban
            for _ in range(pr.randint(1, 4)):
                q, ans, fa, _ = self.hydra_slot()
                msgs = [
                    {
                        "role": "user",
                        "content": cell["tmpls"][0][1].format(
                            q=q, a=ans, fa=fa, domain="mathematics", n=1
                        ),
                    }
                ]
                net = (
                    self.relay_net(a, client_ip)
                    if cell["relay"]
                    else (ip_vps, a.ua, a.fp, a.keys[0])
                )
                self.exchange(
                    a, t, cell["model"], msgs, params={"max_tokens": 4096}, net=net, status=403
                )
                t += int(pr.uniform(5, 120) * SEC)

    # ---------------------------------------------------------------- toolsmith
    def gen_toolsmith(self):
        pr = self.pr
        P = self.P
        N = self.n_scaled(50, 3)
        vps = [self.dc_24(pr.choice(["vultr", "linode", "do"])) for _ in range(4)]
        base_tools = (
            self.SAAS_TOOLS[:1]
            + self.IDE_TOOLS
            + [
                {
                    "type": "function",
                    "function": {
                        "name": n,
                        "description": d,
                        "parameters": {
                            "type": "object",
                            "properties": {k: {"type": "string"}},
                            "required": [k],
                        },
                    },
                }
                for n, d, k in (
                    ("write_file", "Create or overwrite a file.", "path"),
                    ("apply_patch", "Apply a unified diff.", "patch"),
                    ("grep", "Search file contents with ripgrep.", "pattern"),
                    ("glob", "Find files by glob pattern.", "pattern"),
                    ("run_tests", "Run tests.", "target"),
                    ("web_search", "Search the web.", "query"),
                    ("fetch_url", "Fetch a URL and return text.", "url"),
                    ("python_exec", "Execute Python code and return output.", "code"),
                    ("todo_write", "Update the task list.", "todos"),
                )
            ]
        )
        agents = ["Forge", "Atlas", "Nimbus", "Kite", "Quill", "Vector"]
        sys_base = (
            "You are {name}, an expert autonomous software engineer. You have access to "
            "tools for reading, searching, editing and executing code. Work step by step: "
            "explore the repository, form a plan, implement the change, run the tests, "
            "and iterate until they pass. Always call exactly one tool per turn until the "
            "task is complete, then reply with a summary."
        )
        slot_every = 4 * HOUR
        slot_jit = [int(pr.uniform(0, 25) * MIN) for _ in range(int(self.days * 6) + 2)]
        for _ in range(N):
            cc = pr.choice(["US", "US", "GB", "DE", "SG", "CA", "NL"])
            created = (
                self.t0 - int(pr.uniform(2, 24) * DAY)
                if pr.random() < 0.85
                else self.t0 + int(pr.uniform(0, self.days * 0.6) * DAY)
            )
            dom = (
                f"{pr.choice(['byte', 'flux', 'hex', 'loop', 'grid', 'mint', 'sol'])}"
                f"{pr.choice(['works', 'labs', 'ly', 'hq', 'base'])}{pr.randint(1, 99)}."
                f"{pr.choice(['dev', 'io', 'ai', 'app'])}"
            )
            own_ip = f"{pr.choice(vps)}.{pr.randint(2, 250)}"
            a = self.account(
                "toolsmith agentic-coding harvester",
                created,
                label="attack",
                campaign="toolsmith",
                country=cc,
                org_id="org_" + self.rhex(10),
                tier="startup",
                verified=pr.random() < 0.4,
                email=dom,
                payment=self.payment(),
                signup_ip=self.res_ip(cc) if pr.random() < 0.6 else own_ip,
                keys=pr.randint(1, 2),
            )
            fam = pr.choice(["cline", "aider", "continue", "openai-python", "anthropic-python"])
            a.ua, _ = self.ua_of(fam)
            a.fp = FP["orchestrator"] if pr.random() < 0.7 else FP["httpx"]
            endpoint = (
                "messages"
                if (fam == "anthropic-python" or pr.random() < 0.15)
                else "chat.completions"
            )
            ips = [own_ip] + (
                [f"{pr.choice(vps)}.{pr.randint(2, 250)}"] if pr.random() < 0.5 else []
            )
            system = sys_base.format(name=pr.choice(agents))
            p_slot = pr.uniform(0.2, 0.4)
            moves = pr.random() < 0.7
            off = int(pr.gauss(0, 90) * SEC)
            t = self.t0 + 5 * MIN
            while t < self.t1:
                if t > a.created + HOUR and pr.random() < p_slot:
                    s = (
                        t
                        + slot_jit[(t - self.t0) // slot_every]
                        + off
                        + int(pr.uniform(0, 60) * SEC)
                    )
                    model = M_NEW if moves and s > self.release + 3 * HOUR else M_FLAG
                    tools = list(base_tools)
                    task = self.agent_task()
                    if pr.random() < 0.35:
                        bq, btools = pr.choice(P.bfcl)
                        tools = tools + btools
                        task = task + "\n\nAlso, as part of this task: " + bq
                    elif pr.random() < 0.2:
                        task = pr.choice(P.toolformer)[0]

                    def net(a=a, ips=ips):
                        return (pr.choice(ips), a.ua, a.fp, a.keys[0])

                    self.trajectory(
                        a,
                        s,
                        model,
                        task,
                        tools,
                        system=system,
                        params={"temperature": 0, "max_tokens": 8192},
                        net_fn=net,
                        endpoint=endpoint,
                        steps=int(pr.uniform(15, 45)),
                        exec_s=(5.0, 0.6),
                        keep=16,
                        thinking=4096 if endpoint == "messages" else 0,
                        id_prefix="toolu_" if endpoint == "messages" else "call_",
                        p_text=0.5,
                    )
                t += slot_every

    # ---------------------------------------------------------------- gradefarm
    RUBRICS: ClassVar[list] = [
        "Compare the two responses to the question on this rubric: correctness (0-4), "
        'reasoning quality (0-3), clarity (0-3). Output JSON: {"score_a": int, "score_b": '
        'int, "winner": "A"|"B"|"tie", "rationale": string}.',
        "You are a reward model. Judge which response is more helpful, honest and harmless. "
        'Reply with JSON {"preferred": "A" or "B", "confidence": 0-1}.',
        "Evaluate both answers strictly. Penalise any arithmetic or logical error. Give each a "
        "score from 1 to 10 and explain briefly. Output JSON.",
        "Act as a grader. Rubric: 1) final answer correct, 2) every step justified, 3) no "
        'unnecessary content. Return {"a": {"1":0/1,"2":0/1,"3":0/1}, "b": {...}}.',
    ]
    POINTWISE: ClassVar[list] = [
        "Rate the following response to the question on a scale of 1 to 10 for overall "
        'quality. Output only JSON {"score": n, "reason": "..."}.',
        "You are a strict reward model. Output a single reward between 0 and 1 for the "
        'response below, as JSON {"reward": float}.',
    ]

    def grade_pair(self) -> tuple[str, str, str]:
        pr = self.pr
        P = self.P
        r = pr.random()
        if r < 0.45:
            q, ref = pr.choice(P.gsm)
            good = self.math_text(ref)
            bad = re.sub(
                r"\d+", lambda m: str(int(m.group()) + pr.choice([1, 2, 10])), good, count=2
            )
            return q, good, bad
        if r < 0.7:
            q, ref = pr.choice(P.humaneval)
            good = self.code_text(ref)
            bad = good.replace("<", "<=", 1).replace("+ 1", "", 1).replace("return ", "return -", 1)
            return q.split("\n", 2)[-1], good, bad
        if r < 0.9:
            conv = pr.choice(P.hh)
            return (
                conv[0]["content"],
                conv[1]["content"] if len(conv) > 1 else "",
                self.chat_text(80),
            )
        q = pr.choice(P.arena)
        return (
            q,
            self.chat_text(int(self.lognorm(250, 0.5))),
            self.chat_text(int(self.lognorm(250, 0.5))),
        )

    def gen_gradefarm(self):
        pr = self.pr
        N = self.n_scaled(18, 2)
        cards = [self.payment() for _ in range(3)]
        vps24 = getattr(self, "hydra_vps24", None) or [self.dc_24("vultr")]
        own24 = [self.dc_24(pr.choice(["hetzner", "ovh"])) for _ in range(2)]
        pool = getattr(self, "hydra_vps_ips", None) or [f"{vps24[0]}.{pr.randint(2, 250)}"]
        hydra_ips = [pr.choice(pool) for _ in range(2)]
        bursts = [
            self.t0 - int(pr.uniform(6, 12) * DAY),
            self.t0 + int(pr.uniform(0.3, 0.6) * self.days * DAY),
        ]
        for i in range(N):
            b = bursts[0] if i < N * 0.6 else bursts[1]
            created = b + int(pr.uniform(0, 90) * MIN)
            ips = [f"{pr.choice(own24)}.{pr.randint(2, 250)}"]
            if pr.random() < 0.3:
                ips.append(pr.choice(hydra_ips))
            a = self.account(
                "gradefarm judge/reward harvester",
                created,
                label="attack",
                campaign="gradefarm",
                country=pr.choice(["US", "SG", "HK", "GB"]),
                tier="payg",
                verified=False,
                email=pr.choice(["proton.me", "gmail.com", "outlook.com"]),
                payment=cards[i % 3] if pr.random() < 0.85 else self.payment(),
                signup_ip=ips[0],
                keys=pr.randint(1, 3),
            )
            a.ua, a.fp = self.ua_of(pr.choice(["requests", "aiohttp", "httpx"]))
            rate = pr.uniform(80, 200)
            lp = pr.random() < 0.6
            top_k = 20 if pr.random() < 0.4 else 5
            jsonfmt = pr.random() < 0.5
            rubric = pr.sample(self.RUBRICS, 2)
            model = pr.choice([M_FLAG, M_FLAG, M_REASON])
            n = int(self.np.poisson(rate * (self.t1 - max(self.t0, created)) / DAY))
            times = sorted(
                int(pr.uniform(max(self.t0, created + 20 * MIN), self.t1)) for _ in range(n)
            )
            for t in times:
                if pr.random() < 0.15 * (1 + math.cos(2 * math.pi * ((t / HOUR) % 24) / 24)):
                    continue  # mild diurnal dip
                q, x, y = self.grade_pair()
                if pr.random() < 0.5:
                    x, y = y, x
                if pr.random() < 0.75:
                    u = (
                        f"{pr.choice(rubric)}\n\n[Question]\n{q}\n\n[Response A]\n{x}\n\n"
                        f"[Response B]\n{y}"
                    )
                    out = orjson.dumps(
                        {
                            "score_a": pr.randint(2, 10),
                            "score_b": pr.randint(2, 10),
                            "winner": pr.choice(["A", "B", "tie"]),
                            "rationale": pr.choice(GENERIC),
                        }
                    ).decode()
                else:
                    u = f"{pr.choice(self.POINTWISE)}\n\n[Question]\n{q}\n\n[Response]\n{x}"
                    out = orjson.dumps(
                        {"score": pr.randint(1, 10), "reason": pr.choice(GENERIC)}
                    ).decode()
                params = {"temperature": 0, "max_tokens": pr.choice([300, 600])}
                if lp:
                    params["logprobs"] = True
                    params["top_logprobs"] = top_k
                if jsonfmt:
                    params["response_format"] = {"type": "json_object"}
                m = M_NEW if model == M_REASON and t > self.release + 12 * HOUR else model
                self.exchange(
                    a,
                    t,
                    m,
                    [{"role": "user", "content": u}],
                    text=out,
                    params=params,
                    net=(pr.choice(ips), a.ua, a.fp, pr.choice(a.keys)),
                    status=self.maybe_fail(0.01),
                    reasoning=int(self.lognorm(400, 0.5)) if m != M_FLAG else 0,
                )

    # ---------------------------------------------------------------- trickle (low and slow)
    def gen_trickle(self):
        pr = self.pr
        P = self.P
        N = self.n_scaled(2)
        for i in range(N):
            cc = pr.choice(["US", "DE", "GB", "CA"])
            home = self.res_ip(cc, 0)
            a = self.account(
                "trickle low-and-slow reasoning harvester",
                self.t0 - int(pr.uniform(150, 420) * DAY),
                label="attack",
                campaign="trickle",
                country=cc,
                tier="payg",
                verified=True,
                email=pr.choice(COUNTRIES[cc][3]),
                payment=self.payment(),
                signup_ip=self.res_ip(cc, 0),
            )
            a.ua, a.fp = self.ua_of("openai-python" if i % 2 == 0 else "chrome")
            ips = [home] + ([self.res_ip(cc, 0)] if pr.random() < 0.5 else [])
            rate = pr.uniform(10, 22)
            src = pr.choice(["gsm", "arena", "mixed"])
            idx = pr.randrange(0, 3000)
            switch = self.release + int(pr.uniform(0.5, 3) * HOUR)
            t = self.t0 + int(pr.uniform(0, 2) * HOUR)
            while t < self.t1:
                t += int(pr.expovariate(rate / DAY))
                if src == "gsm" or (src == "mixed" and idx % 3):
                    q, ref = P.gsm[idx % len(P.gsm)]
                    final = gsm_clean(ref)[1]
                    text = self.reason_text(
                        int(self.lognorm(700, 0.3)),
                        ref=gsm_clean(ref)[0],
                        final=final,
                        numbered=False,
                    )
                else:
                    q = P.arena[idx % len(P.arena)]
                    text = self.chat_text(int(self.lognorm(900, 0.3)), q)
                idx += 1
                model = M_NEW if t >= switch else M_REASON
                u = (
                    "Solve the following problem. Think it through in detail, considering "
                    "alternative approaches and verifying each step, and write out your full "
                    f"reasoning before the final answer.\n\n{q}"
                )
                self.exchange(
                    a,
                    t,
                    model,
                    [{"role": "user", "content": u}],
                    text=text,
                    params={"max_completion_tokens": 16000, "reasoning_effort": "high"},
                    net=(pr.choice(ips), a.ua, a.fp, a.keys[0]),
                    reasoning=int(self.lognorm(4000, 0.4)),
                    status=self.maybe_fail(0.0),
                )

    # ---------------------------------------------------------------- mimic (own design)
    def gen_mimic(self):
        pr = self.pr
        N = self.n_scaled(60, 3)
        proxy = [self.res_ip(self.country(), 0.15) for _ in range(max(300, N * 40))]
        if self.residential_seen:  # the proxy network's exits include real home devices
            proxy += pr.sample(self.residential_seen, min(len(self.residential_seen), 40))
        shared_card = getattr(self, "hydra_cards", [self.payment()])[0]
        op_tz = 8.0  # operator's time zone drives every account's day
        for _ in range(N):
            cc = pr.choice(["US", "US", "GB", "DE", "IN", "BR", "CA", "FR", "AU"])
            paid = pr.random() < 0.5
            pay = (shared_card if pr.random() < 0.06 else self.payment()) if paid else None
            a = self.account(
                "mimic human-like CoT harvester via residential proxies",
                self.t0 - int(pr.uniform(30, 500) * DAY),
                label="attack",
                campaign="mimic",
                country=cc,
                tier="payg" if paid else "free",
                verified=pr.random() < 0.1,
                email=pr.choice(COUNTRIES[cc][3]),
                payment=pay,
                signup_ip=self.res_ip(cc),
            )
            fam = pr.choices(CHAT_UA_KEYS, cum_weights=CHAT_UA_MIX)[0]
            a.ua, a.fp = self.ua_of(fam)
            mismatch = fam in ("chrome", "firefox", "safari", "chatbox") and pr.random() < 0.4
            a.tz = op_tz
            self.set_models(a, [M_FLAG, M_REASON], [0.6, 0.4], 0.5, 10)
            system = pr.choice(SYSTEMS_CHAT).format(d=3) if pr.random() < 0.5 else None
            rate = pr.uniform(2.5, 5.0)
            for s in self.day_sessions(a, rate, W_CHAT, weekend=pr.uniform(0.8, 1.1)):
                fp = FP["httpx"] if mismatch and pr.random() < 0.7 else a.fp
                net = (pr.choice(proxy), a.ua, fp, a.keys[0])
                model = self.model_for(a, s)
                nt = pr.randint(2, 9)
                if pr.random() < 0.35:
                    turns = self.chat_turns(nt)
                else:
                    q, _ans, fa, steps = self.hydra_slot()
                    first = self.vary(q, 1, 1) if pr.random() < 0.3 else q
                    turns = [(first, self.chat_text(int(self.lognorm(220, 0.5)), q))]
                    for _ in range(nt - 1):
                        turns.append(
                            (
                                pr.choice(MIMIC_FOLLOWUPS),
                                self.reason_text(
                                    int(self.lognorm(380, 0.4)),
                                    final=fa[:40],
                                    ref=steps,
                                    numbered=pr.random() < 0.6,
                                ),
                            )
                        )
                self.conversation(
                    a,
                    s,
                    model,
                    turns,
                    system=system,
                    params=self.chat_params(),
                    net=net,
                    think=(40, 0.7),
                )

    # ================================================================ output
    def run(self):
        steps = [
            self.gen_chat_users,
            self.gen_developers,
            self.gen_batch,
            self.gen_eval,
            self.gen_university,
            self.gen_reseller,
            self.gen_tutoring,
            self.gen_agent_saas,
            self.gen_hydra,
            self.gen_toolsmith,
            self.gen_gradefarm,
            self.gen_trickle,
            self.gen_mimic,
        ]
        for f in steps:
            f()

    def write(self, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        self.rows.sort(key=lambda r: (r[0], r[1]))
        with open(out / "exchanges.jsonl", "wb") as f:
            buf = []
            for _, _, b in self.rows:
                buf.append(b)
                if len(buf) >= 5000:
                    f.write(b"\n".join(buf) + b"\n")
                    buf = []
            if buf:
                f.write(b"\n".join(buf) + b"\n")
        accts = sorted(self.accounts, key=lambda a: (a.created, a.id))
        with open(out / "accounts.jsonl", "wb") as f:
            for a in accts:
                if a.export:
                    f.write(orjson.dumps(a.rec) + b"\n")
        with open(out / "labels.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["account_id", "label", "campaign", "persona"])
            for a in accts:
                w.writerow([a.id, a.label, a.campaign, a.persona])


def hash_ip(ip: str) -> int:
    return int(hashlib.md5(ip.encode()).hexdigest()[:8], 16)


def to_anthropic(messages: list) -> tuple[str | None, list]:
    system = None
    out: list = []
    for m in messages:
        r = m["role"]
        if r in ("system", "developer"):
            system = m["content"]
            continue
        if r == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": m["tool_call_id"],
                "content": m["content"],
            }
            if (
                out
                and out[-1]["role"] == "user"
                and isinstance(out[-1]["content"], list)
                and out[-1]["content"][0].get("type") == "tool_result"
            ):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
            continue
        if r == "assistant" and m.get("tool_calls"):
            blocks = [{"type": "text", "text": m["content"]}] if m.get("content") else []
            for tc in m["tool_calls"]:
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": tc["id"],
                        "name": tc["function"]["name"],
                        "input": orjson.loads(tc["function"]["arguments"]),
                    }
                )
            out.append({"role": "assistant", "content": blocks})
            continue
        out.append({"role": r, "content": m["content"]})
    return system, out


def summarise(w: World, out: Path, secs: float) -> str:
    per_p: dict[str, list[int]] = {}
    per_c: dict[str, list[int]] = {}
    for a in w.accounts:
        if a.label == "legit":
            v = per_p.setdefault(a.persona, [0, 0])
        else:
            v = per_c.setdefault(a.campaign, [0, 0])
        v[0] += 1
        v[1] += a.n_ex
    n_ex = len(w.rows)
    n_acc = len(w.accounts)
    n_att = sum(v[0] for v in per_c.values())
    x_att = sum(v[1] for v in per_c.values())
    lp = ", ".join(f"{k} {v[0]} accts/{v[1]} ex" for k, v in per_p.items())
    lc = ", ".join(f"{k} {v[0]} accts/{v[1]} ex" for k, v in per_c.items())
    return (
        f"crossgen seed={w.seed} scale={w.scale} days={w.days}: wrote {n_ex} exchanges and "
        f"{n_acc} labelled accounts ({sum(1 for a in w.accounts if a.export)} in "
        f"accounts.jsonl) to {out} in {secs:.1f}s; model orion-3 released at "
        f"{fmt_ts(w.release)}. Legit personas: {lp}. Attack campaigns: {lc} "
        f"(attack = {n_att / max(1, n_acc):.1%} of accounts, {x_att / max(1, n_ex):.1%} of "
        f"exchanges)."
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS)
    args = ap.parse_args(argv)
    t = time.time()
    w = World(args.seed, args.scale, args.days, Prompts(args.prompts))
    w.run()
    w.write(args.out)
    print(summarise(w, args.out, time.time() - t))


if __name__ == "__main__":
    main()
