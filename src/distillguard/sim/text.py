"""Prompt and response text: a procedural generator, and real prompt sets when given.

A :class:`Task` is what a user wants done (a capability, the request text, optional prior
turns, tool schemas and a reference answer). :class:`PromptPool` hands out tasks per
capability. Built in, it fills slots in templates, so a fresh clone simulates without any
data; with ``prompts_dir`` it also draws real prompts from JSON Lines files in the format
of the public prompt sets (``messages``, optional ``tools`` and ``reference``), sorting each
record into a capability by its content rather than by its file name.

Responses are procedural and deliberately modest in size: the disclosed-scale scenario
writes tens of millions of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

import orjson

from distillguard.errors import InputError

__all__ = ["CAPABILITIES", "PromptPool", "Task", "classify", "respond", "trace"]

#: Capabilities a task can exercise.
CAPABILITIES: tuple[str, ...] = ("chat", "writing", "coding", "tools", "math", "reasoning")


@dataclass(frozen=True, slots=True)
class Task:
    """One thing a user asks for."""

    capability: str
    text: str
    history: tuple[dict[str, Any], ...] = ()
    tools: tuple[dict[str, Any], ...] | None = None
    reference: str | None = None


# --------------------------------------------------------------------------------------
# Procedural prompts

_NAMES = (
    "Natalia", "Weng", "Betty", "Julie", "James", "Albert", "Mark", "Priya", "Chen", "Omar",
    "Sofia", "Lukas", "Aiko", "Fatima", "Diego", "Hannah", "Kwame", "Ivan", "Mei", "Tom",
)  # fmt: skip
_ITEMS = (
    ("apples", 1.5), ("notebooks", 3.0), ("cupcakes", 2.25), ("tickets", 12.0),
    ("pencils", 0.5), ("books", 8.0), ("plants", 6.5), ("stickers", 0.25), ("shirts", 15.0),
)  # fmt: skip
_MATH_TEMPLATES = (
    (
        "{n} has {a} {item}. {n} buys {b} packs with {c} {item} in each. How many {item} "
        "does {n} have now?",
        lambda a, b, c, p: a + b * c,
    ),
    (
        "{item_c} cost ${p} each. {n} buys {a} of them and pays with a ${bill} bill. How "
        "much change does {n} get?",
        lambda a, b, c, p: round(_bill(a, p) - a * p, 2),
    ),
    (
        "A class of {a} students shares {b} boxes of {item}, each box holding {c}. If they "
        "are shared equally, how many does each student get and how many are left over?",
        lambda a, b, c, p: f"{(b * c) // a} each, {(b * c) % a} left over",
    ),
    (
        "{n} reads {a} pages on Monday and {b} pages more each day than the day before. How "
        "many pages has {n} read after {c} days?",
        lambda a, b, c, p: sum(a + i * b for i in range(c)),
    ),
    (
        "A tank holds {a}0 litres. It drains at {b} litres per minute and fills at {c} "
        "litres per minute at the same time. Starting full, when is it empty?",
        lambda a, b, c, p: "never" if c >= b else f"{round(a * 10 / (b - c), 2)} minutes",
    ),
    (
        "If {a}% of a number is {b}0, what is {c}% of the same number?",
        lambda a, b, c, p: round(b * 10 * c / a, 2),
    ),
    (
        "Solve for x: {a}x + {b} = {c}x - {bill}",
        lambda a, b, c, p: "no solution" if a == c else round((-_bill(a, p) - b) / (a - c), 3),
    ),
    (
        "What is the probability of rolling a total of {a} with two fair dice?",
        lambda a, b, c, p: f"{sum(1 for i in range(1, 7) for j in range(1, 7) if i + j == a)}/36",
    ),
    (
        "Find the derivative of f(x) = {a}x^{c} + {b}x - {bill}.",
        lambda a, b, c, p: f"{a * c}x^{c - 1} + {b}",
    ),
    (
        "A train leaves at {a}:00 travelling {b}0 km/h. A second train leaves the same station "
        "{c} hours later at {bill} km/h. When does the second catch up?",
        lambda a, b, c, p: "never" if _bill(a, p) <= b * 10 else "after some hours",
    ),
)


def _bill(a: int, p: float) -> int:
    need = a * p
    for bill in (5, 10, 20, 50, 100, 200, 500):
        if bill >= need:
            return bill
    return 1000


_LANGS = ("Python", "JavaScript", "TypeScript", "Go", "Rust", "Java", "C++", "SQL", "Bash")
_CODE_TASKS = (
    "checks whether a string is a palindrome, ignoring punctuation",
    "merges two sorted lists into one sorted list",
    "parses a CSV file and returns the average of a given column",
    "retries an HTTP request with exponential backoff",
    "finds the k most frequent words in a text",
    "validates an e-mail address",
    "flattens a nested dictionary into dotted keys",
    "implements an LRU cache with a fixed capacity",
    "computes the Levenshtein distance between two strings",
    "groups a list of records by a key and sums a field",
    "reads a large log file line by line and counts errors per hour",
    "deduplicates a list while keeping the original order",
    "converts a Roman numeral to an integer",
    "rate-limits calls to a function to N per second",
    "walks a directory tree and lists files larger than 100 MB",
    "serialises a binary tree to a string and back",
)
_CODE_QUESTIONS = (
    "How do I {op} in {lang}?",
    "Write a {lang} function that {task}.",
    "Write a {lang} function that {task}. Include unit tests.",
    "What's wrong with this {lang} code? It {bug}.\n\n```\n{snippet}\n```",
    "Refactor this {lang} code to be more readable:\n\n```\n{snippet}\n```",
    "Explain what this {lang} code does:\n\n```\n{snippet}\n```",
    "Can you review my {lang} implementation of a function that {task}?\n\n```\n{snippet}\n```",
)
_OPS = (
    "read a JSON file", "sort a dictionary by value", "make an async HTTP request",
    "handle timeouts", "write a unit test with mocks", "connect to PostgreSQL",
    "parse command-line arguments", "profile slow code", "use a thread pool",
    "set up logging to a file", "reverse a linked list", "debounce a function",
)  # fmt: skip
_BUGS = (
    "throws an index error on empty input", "returns None sometimes", "is really slow",
    "gives the wrong answer for negative numbers", "hangs forever", "leaks memory",
)  # fmt: skip
_SNIPPETS = (
    "def avg(xs):\n    return sum(xs) / len(xs)",
    "for i in range(len(items)):\n    if items[i] == target:\n        return i",
    "function sum(arr) {\n  let s;\n  for (const x of arr) s += x;\n  return s;\n}",
    "SELECT name, COUNT(*) FROM orders GROUP BY customer_id;",
    "while True:\n    data = sock.recv(1024)\n    buf += data",
    "func get(m map[string]int, k string) int {\n\treturn m[k]\n}",
    'let v: Vec<i32> = Vec::new();\nprintln!("{}", v[0]);',
)

_TOPICS = (
    "sourdough bread", "marathon training", "the French Revolution", "black holes",
    "index funds", "learning Spanish", "houseplants", "sleep hygiene", "remote work",
    "electric cars", "photosynthesis", "the stock market", "climate change", "jazz history",
    "vegetarian meal prep", "job interviews", "negotiating salary", "composting",
    "the Roman Empire", "machine learning", "buying a used car", "meditation", "budgeting",
    "quantum computing", "dog training", "travel in Japan", "public speaking", "chess openings",
)  # fmt: skip
_CHAT_TEMPLATES = (
    "What's the best way to get started with {t}?",
    "Can you explain {t} to me like I'm five?",
    "Give me a few tips about {t}.",
    "I'm trying to learn about {t}. Where should I begin?",
    "What are common mistakes people make with {t}?",
    "Summarise the key facts about {t}.",
    "What are the pros and cons of {t}?",
    "how does {t} actually work",
    "Is it worth getting into {t} in 2026?",
    "My friend and I disagree about {t}. What does the evidence say?",
)
_WRITING_TEMPLATES = (
    "Write a short {form} about {t}.",
    "Draft a {form} to my team about {t}. Keep it friendly.",
    "Write a {form} about {t} for a general audience, under 200 words.",
    "Help me write a {form} explaining {t}.",
    "Write a funny {form} about {t}.",
)
_FORMS = ("poem", "blog post", "e-mail", "product description", "cover letter", "story", "speech")

_REASONING_TEMPLATES = (
    "{a} people are in a room. Each shakes hands with every other person once. How many "
    "handshakes happen?",
    "If all bloops are razzies and all razzies are lazzies, are all bloops definitely "
    "lazzies? Explain.",
    "What is the next number in the sequence {a}, {b}, {c}, {d}, ...?",
    "Alice is older than Bob. Carol is younger than Bob but older than Dan. Who is the "
    "second oldest?",
    "A bat and a ball cost ${a}.10 in total. The bat costs ${a}.00 more than the ball. How "
    "much does the ball cost?",
    "You have {a} identical-looking coins and one is heavier. What is the minimum number of "
    "weighings on a balance scale needed to find it?",
    "Three boxes are labelled apples, oranges and mixed, and every label is wrong. You may "
    "pick one fruit from one box. How do you relabel them?",
    "A meeting must fit {a} people's calendars; each is free for {b} of the {c} slots. Is "
    "a common slot guaranteed? Justify.",
    "Which is larger: {a}^{b} or {b}^{a}? Reason without a calculator.",
)

# Tool schemas for tool-use tasks (OpenAI function format).
_TOOLSETS: tuple[tuple[dict[str, Any], tuple[str, ...]], ...] = (
    (
        {
            "name": "get_weather",
            "description": "Get the current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["city"],
            },
        },
        (
            "What's the weather like in {city} right now?",
            "Should I bring an umbrella in {city} today?",
            "Compare the temperature in {city} and {city2}.",
        ),
    ),
    (
        {
            "name": "search_flights",
            "description": "Search flights between two airports on a date.",
            "parameters": {
                "type": "object",
                "properties": {
                    "origin": {"type": "string"},
                    "destination": {"type": "string"},
                    "date": {"type": "string", "description": "YYYY-MM-DD"},
                },
                "required": ["origin", "destination", "date"],
            },
        },
        (
            "Find me a flight from {city} to {city2} next Friday.",
            "Cheapest way to fly {city} to {city2} on the 14th?",
        ),
    ),
    (
        {
            "name": "query_database",
            "description": "Run a read-only SQL query against the analytics database.",
            "parameters": {
                "type": "object",
                "properties": {"sql": {"type": "string"}},
                "required": ["sql"],
            },
        },
        (
            "How many orders did we get from {city} last month?",
            "List the top 5 customers by revenue in {city}.",
        ),
    ),
    (
        {
            "name": "create_event",
            "description": "Create a calendar event.",
            "parameters": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "start": {"type": "string"},
                    "attendees": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["title", "start"],
            },
        },
        (
            "Set up a meeting with the {city} team tomorrow at 10.",
            "Book 30 minutes with Priya next week about the {city} launch.",
        ),
    ),
    (
        {
            "name": "convert_currency",
            "description": "Convert an amount between currencies at today's rate.",
            "parameters": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number"},
                    "from": {"type": "string"},
                    "to": {"type": "string"},
                },
                "required": ["amount", "from", "to"],
            },
        },
        ("How much is {n} USD in EUR?", "Convert {n} GBP to JPY please."),
    ),
    (
        {
            "name": "web_search",
            "description": "Search the web and return the top results.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
        ("Look up the latest news about {t}.", "Who won the most recent {t} award?"),
    ),
)
_CITIES = (
    "Paris", "Berlin", "Tokyo", "Austin", "Lagos", "Mumbai", "Toronto", "Sydney", "Seoul",
    "Madrid", "Chicago", "Nairobi", "Lima", "Oslo", "Jakarta", "Denver",
)  # fmt: skip


def _tool(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": schema}


def _procedural(capability: str, rng: Random) -> Task:
    if capability == "math":
        template, solve = rng.choice(_MATH_TEMPLATES)
        item, price = rng.choice(_ITEMS)
        a, b, c = rng.randrange(2, 40), rng.randrange(2, 15), rng.randrange(2, 9)
        p = price
        text = template.format(
            n=rng.choice(_NAMES),
            a=a,
            b=b,
            c=c,
            item=item,
            item_c=item.capitalize(),
            p=p,
            bill=_bill(a, p),
        )
        return Task("math", text, reference=f"#### {solve(a, b, c, p)}")
    if capability == "coding":
        lang = rng.choice(_LANGS)
        text = rng.choice(_CODE_QUESTIONS).format(
            lang=lang,
            task=rng.choice(_CODE_TASKS),
            op=rng.choice(_OPS),
            bug=rng.choice(_BUGS),
            snippet=rng.choice(_SNIPPETS),
        )
        return Task("coding", text)
    if capability == "tools":
        picks = rng.sample(range(len(_TOOLSETS)), rng.randrange(1, 4))
        asks = _TOOLSETS[picks[0]][1]
        city, city2 = rng.sample(_CITIES, 2)
        text = rng.choice(asks).format(
            city=city, city2=city2, n=rng.randrange(10, 5000), t=rng.choice(_TOPICS)
        )
        return Task("tools", text, tools=tuple(_tool(_TOOLSETS[i][0]) for i in picks))
    if capability == "reasoning":
        a = rng.randrange(3, 13)
        b, c = a + rng.randrange(1, 6), a * 2 + rng.randrange(0, 5)
        text = rng.choice(_REASONING_TEMPLATES).format(a=a, b=b, c=c, d=c + (c - b))
        return Task("reasoning", text)
    if capability == "writing":
        text = rng.choice(_WRITING_TEMPLATES).format(form=rng.choice(_FORMS), t=rng.choice(_TOPICS))
        return Task("writing", text)
    return Task("chat", rng.choice(_CHAT_TEMPLATES).format(t=rng.choice(_TOPICS)))


# --------------------------------------------------------------------------------------
# Real prompt sets

_CODE_RE = re.compile(
    r"```|\bdef |\bfunction\b|\bclass \w|#include|\b(python|javascript|typescript|java|c\+\+|"
    r"rust|golang|sql|html|css|bash|regex|code|script|program|compile|api)\b",
    re.IGNORECASE,
)
_MATH_RE = re.compile(
    r"\b(how many|how much|calculate|solve|equation|percent|probability|sum of|average|"
    r"integer|derivative|integral)\b",
    re.IGNORECASE,
)
_REASON_RE = re.compile(
    r"\b(riddle|puzzle|logic|deduce|sequence|next (letter|number)|true or false|which is "
    r"(larger|heavier|bigger)|syllogism)\b",
    re.IGNORECASE,
)
_TOOL_RE = re.compile(r"\b(tool|api call|function call|access:|input should be)\b", re.IGNORECASE)
_WRITE_RE = re.compile(
    r"\b(write|draft|compose)\b.{0,40}\b(story|poem|essay|e-?mail|letter|blog|article|"
    r"speech|song|description|tweet|post)\b|\bi want you to act as\b",
    re.IGNORECASE,
)


def classify(record: dict[str, Any]) -> str | None:
    """The capability a prompt-set record exercises, judged from its content.

    Returns None for a record without a usable user message.
    """
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users or not isinstance(users[-1].get("content"), str):
        return None
    text = users[-1]["content"][:1500]  # the opening says what is asked; keeps this cheap
    if record.get("tools"):
        return "tools"
    if len(users) > 1:
        return "chat"
    reference = record.get("reference")
    if isinstance(reference, str) and re.search(r"####\s*-?[\d.,]+\s*$", reference):
        return "math"
    if _TOOL_RE.search(text):
        return "tools"
    if _CODE_RE.search(text):
        return "coding"
    if _REASON_RE.search(text):
        return "reasoning"
    digits = len(re.findall(r"\d+", text))
    if _MATH_RE.search(text) and digits >= 2:
        return "math"
    if _WRITE_RE.search(text):
        return "writing"
    return "chat"


def _task_from_record(record: dict[str, Any], capability: str) -> Task:
    messages = [m for m in record["messages"] if isinstance(m, dict)]
    last_user = max(i for i, m in enumerate(messages) if m.get("role") == "user")
    history = tuple(
        {"role": m["role"], "content": m["content"]}
        for m in messages[:last_user]
        if m.get("role") in ("user", "assistant", "system") and isinstance(m.get("content"), str)
    )
    tools = record.get("tools")
    tools_t = tuple(t for t in tools if isinstance(t, dict)) if isinstance(tools, list) else None
    reference = record.get("reference")
    return Task(
        capability=capability,
        text=messages[last_user]["content"],
        history=history,
        tools=tools_t or None,
        reference=reference if isinstance(reference, str) else None,
    )


def _load_dir(path: Path) -> tuple[dict[str, list[Task]], tuple[str, ...]]:
    if not path.is_dir():
        raise InputError(f"prompts directory {str(path)!r} does not exist or is not a folder")
    files = sorted(p for p in path.iterdir() if p.name.endswith(".jsonl") and p.is_file())
    if not files:
        raise InputError(f"prompts directory {str(path)!r} holds no .jsonl files")
    pools: dict[str, list[Task]] = {c: [] for c in CAPABILITIES}
    for file in files:
        try:
            lines = file.read_bytes().splitlines()
        except OSError as exc:
            raise InputError(f"cannot read prompt file {str(file)!r}: {exc.strerror}") from None
        for line in lines:
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise InputError(f"prompt file {str(file)!r} has a line that is not JSON") from None
            if not isinstance(record, dict):
                continue
            capability = classify(record)
            if capability is not None:
                pools[capability].append(_task_from_record(record, capability))
    if not any(pools.values()):
        raise InputError(f"prompts directory {str(path)!r} holds no usable prompts")
    return pools, tuple(f.name for f in files)


class PromptPool:
    """Tasks per capability: real prompts when loaded (mixed with procedural ones)."""

    def __init__(self, prompts_dir: str | Path | None = None, *, real_share: float = 0.8) -> None:
        self.real: dict[str, list[Task]] = {c: [] for c in CAPABILITIES}
        self.sources: tuple[str, ...] = ()
        self.real_share = real_share
        self.made: dict[str, list[Task]] = {}  # built on first use, from fixed seeds
        if prompts_dir is not None:
            self.real, self.sources = _load_dir(Path(prompts_dir))

    def task(self, capability: str, rng: Random) -> Task:
        """A task exercising ``capability``."""
        real = self.real.get(capability)
        if real and rng.random() < self.real_share:
            return real[int(rng.random() * len(real))]
        made = self.made.get(capability)
        if made is None:
            made = self.made[capability] = self._make(capability)
        return made[int(rng.random() * len(made))]

    @staticmethod
    def _make(capability: str, n: int = 4096) -> list[Task]:
        """A fixed pool of procedural tasks: filled templates repeat across users, as
        popular questions do, and drawing from a pool is cheap."""
        rng = Random(f"procedural:{capability}")
        return [_procedural(capability, rng) for _ in range(n)]

    def counts(self) -> dict[str, int]:
        """How many real prompts each capability holds."""
        return {c: len(v) for c, v in self.real.items()}


# --------------------------------------------------------------------------------------
# Responses

_OPENERS = (
    "Sure! Here's an overview.",
    "Great question.",
    "Here's what I'd suggest.",
    "Good idea to ask about this.",
    "There are a few things to consider.",
    "Let me break this down.",
)
_BODY = (
    "The most important thing is to start small and build a habit you can keep.",
    "Most people find it easier when they set a clear goal first.",
    "It depends a little on your situation, but the general principle holds.",
    "Research suggests consistency matters more than intensity.",
    "A common mistake is trying to change everything at once.",
    "You can measure progress by keeping a simple log.",
    "If you're unsure, a professional can give advice specific to you.",
    "Costs vary widely, so compare a few options before committing.",
    "The history here is more complicated than it first appears.",
    "Experts broadly agree on the basics, while the details are still debated.",
    "In practice, the simplest approach is usually the most reliable.",
    "Keep in mind that the trade-offs change as you scale up.",
    "There is no single right answer, but these guidelines help.",
    "Try it for two weeks, then review what worked.",
)
_STEPS = (
    "First, identify what the question is asking for.",
    "Next, write down the quantities we know.",
    "Multiply the number of groups by the size of each group.",
    "Subtract the amount that was used from the total.",
    "Check the units so the result makes sense.",
    "Now combine the two partial results.",
    "Let's verify by plugging the value back in.",
    "We can simplify the expression before computing.",
    "Consider the edge case where the value is zero.",
    "By symmetry, both cases give the same count.",
    "This rules out every option except one.",
    "So the intermediate value carries into the next step.",
)
_CODE_BODIES = (
    "def solve(items):\n    seen = set()\n    out = []\n    for x in items:\n"
    "        if x not in seen:\n            seen.add(x)\n            out.append(x)\n    return out",
    "import json\n\nwith open(path) as f:\n    data = json.load(f)\nprint(data)",
    "function retry(fn, n = 3) {\n  return fn().catch(err => n > 0 ? retry(fn, n - 1) : "
    "Promise.reject(err));\n}",
    "SELECT customer_id, SUM(total) AS revenue\nFROM orders\nGROUP BY customer_id\n"
    "ORDER BY revenue DESC\nLIMIT 5;",
    "from collections import Counter\n\ndef top_k(text, k):\n"
    "    return Counter(text.lower().split()).most_common(k)",
    "class LRU:\n    def __init__(self, cap):\n        self.cap = cap\n        self.d = {}\n",
)
_CLEAN_REF = re.compile(r"<<[^>]*>>")


def _compose(cap: str, style: str, rng: Random) -> str:
    """One freshly composed response (the pools below are built from this)."""
    if style == "short":
        return rng.choice(_BODY)
    if style == "grade":
        score = rng.randrange(2, 11)
        reason = " ".join(rng.sample(_BODY, 2))
        verdict = "correct" if score > 5 else "incorrect"
        return f"The answer is mostly {verdict}. {reason}\n\nRating: [[{score}]]"
    if style == "rewrite":
        return " ".join(rng.sample(_BODY, rng.randrange(2, 5)))
    if style == "cot-prefix":
        steps = "\n".join(f"Step {i + 1}: {s}" for i, s in enumerate(rng.sample(_STEPS, 3)))
        return f"Let's work through this step by step.\n\n{steps}\n\n"
    if style == "cot" or cap in ("math", "reasoning"):
        n = rng.randrange(3, 7)
        steps = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(rng.sample(_STEPS, n)))
        answer = rng.randrange(2, 500)
        return f"Let's think about this carefully.\n\n{steps}\n\nSo the final answer is {answer}."
    if cap == "coding":
        code = rng.choice(_CODE_BODIES)
        return f"{rng.choice(_OPENERS)}\n\n```\n{code}\n```\n\n{' '.join(rng.sample(_BODY, 2))}"
    if cap == "writing":
        return "\n\n".join(" ".join(rng.sample(_BODY, 3)) for _ in range(rng.randrange(1, 4)))
    n = rng.randrange(2, 6)
    return f"{rng.choice(_OPENERS)} " + " ".join(rng.sample(_BODY, n))


_POOL_SIZE = 512
_RESPONSES: dict[tuple[str, str], list[str]] = {}
_REFS: dict[str, str] = {}


def _responses(cap: str, style: str) -> list[str]:
    """A fixed pool of composed responses per (capability, style): drawing from it costs
    one random number instead of a dozen, which matters at tens of millions of records."""
    pool = _RESPONSES.get((cap, style))
    if pool is None:
        rng = Random(f"responses:{cap}:{style}")
        pool = _RESPONSES[(cap, style)] = [_compose(cap, style, rng) for _ in range(_POOL_SIZE)]
    return pool


def trace(rng: Random) -> str:
    """A reasoning trace, as returned in an extended-thinking block."""
    return _responses("reasoning", "cot")[int(rng.random() * _POOL_SIZE)]


def respond(task: Task, rng: Random, *, style: str = "plain") -> str:
    """Plausible assistant text for ``task``.

    ``style`` is ``plain``, ``cot`` (worked reasoning), ``grade`` (a grader's verdict),
    ``rewrite`` or ``short`` (one line). Maths tasks with a reference answer are answered
    with it (after worked steps for ``cot``).
    """
    pick = int(rng.random() * _POOL_SIZE)
    cap = task.capability
    if cap == "math" and task.reference and style in ("plain", "cot"):
        ref = _REFS.get(task.reference)
        if ref is None:
            if len(_REFS) > 100_000:
                _REFS.clear()
            ref = _REFS[task.reference] = _CLEAN_REF.sub("", task.reference).strip()[:600]
        if style == "cot":
            return _responses("math", "cot-prefix")[pick] + ref
        return ref
    if style in ("short", "grade", "rewrite"):
        cap = "any"
    elif cap not in ("coding", "writing", "math", "reasoning"):
        cap = "chat"
    return _responses(cap, style)[pick]
