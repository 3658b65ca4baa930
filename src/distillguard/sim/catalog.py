"""Fixed catalogues the roster draws from: countries and time zones, e-mail and company
domains, agent and product system prompts, attack task wrappers and batch-job templates.

Data only; kept apart from :mod:`distillguard.sim.roster` so the roster reads as logic.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AGENT_PROMPTS",
    "AGENT_WRAPS",
    "APP_PROMPTS",
    "BATCH_JOBS",
    "COMPANY_SUFFIX",
    "COMPANY_WORDS",
    "COUNTRIES",
    "MAIL",
    "TUTOR_VARIANTS",
]

COUNTRIES: tuple[tuple[str, float, float], ...] = (
    ("US", -5, 14), ("US", -8, 10), ("US", -6, 6), ("CA", -5, 3), ("BR", -3, 4), ("MX", -6, 2),
    ("GB", 0, 6), ("DE", 1, 5), ("FR", 1, 4), ("NL", 1, 2), ("ES", 1, 2), ("PL", 1, 2),
    ("IN", 5.5, 9), ("JP", 9, 4), ("KR", 9, 3), ("SG", 8, 2), ("AU", 10, 2), ("NG", 1, 2),
    ("ID", 7, 2), ("VN", 7, 2), ("PH", 8, 1), ("TR", 3, 1), ("IL", 2, 1), ("ZA", 2, 1),
)  # fmt: skip
MAIL = (
    ("gmail.com", 40), ("outlook.com", 10), ("yahoo.com", 5), ("icloud.com", 6),
    ("hotmail.com", 5), ("proton.me", 3), ("qq.com", 2), ("gmx.de", 1), ("mail.ru", 1),
)  # fmt: skip
COMPANY_WORDS = (
    "acme", "northwind", "globex", "initech", "umbrella", "stark", "wayne", "hooli", "vandelay",
    "contoso", "fabrikam", "tailspin", "wingtip", "adatum", "litware", "proseware", "pied",
    "soylent", "tyrell", "cyberdyne", "aperture", "blueleaf", "quantia", "datanest", "brightlane",
)  # fmt: skip
COMPANY_SUFFIX = ("analytics", "labs", "ai", "tech", "systems", "data", "cloud", "io", "soft")
AGENT_PROMPTS = (
    "You are an autonomous coding agent working in the user's repository. Use the tools to "
    "read, edit and test code. Make minimal, correct changes.",
    "You are a helpful programming assistant integrated into the editor. You can call tools "
    "to inspect files and run commands.",
    "You are a senior engineer pair-programming with the user. Think before you act; run the "
    "tests after every change.",
    "You are Codey, an AI software engineer. Follow the repository's conventions. Use tools "
    "when you need information.",
    "You are a coding assistant running in the user's terminal. Keep answers short; prefer "
    "running commands and reading files over guessing.",
    "You are an expert developer agent. Plan briefly, then make the change, then verify it "
    "with the test suite. Never invent file contents; read them first.",
)
AGENT_WRAPS = (
    "{task}\n\nWork through this step by step, using the tools as needed, and explain each "
    "decision.",
    "Task: {task}\nSolve it completely. Show your reasoning before each tool call.",
    "{task}",
    "Please complete the following task in the repository.\n\n{task}\n\nExplain your reasoning.",
    "{task}\n\nThink carefully, then use the tools.",
)
TUTOR_VARIANTS = (
    "You are an expert tutor. Always explain your reasoning in detail before giving the "
    "final answer.",
    "You are a knowledgeable tutor. Explain your reasoning thoroughly, step by step, and "
    "only then give the final answer.",
    "Act as an expert teacher: walk through your full reasoning before stating the answer.",
    "You are a patient expert. Before answering, lay out every step of your reasoning in detail.",
    "You're an experienced tutor; give a detailed explanation of your thinking first, then "
    "the final answer.",
)
APP_PROMPTS = (
    "You are Quillio, a writing assistant inside a note-taking app. Help the user write, "
    "edit and summarise. Be concise.",
    "You are the support assistant for ShopRight. Answer questions about orders, returns and "
    "products politely. If unsure, suggest contacting support.",
    "You are StudyPal, a study helper for high-school students. Explain simply and "
    "encourage the student.",
    "You are TripMate, a travel planning assistant. Suggest itineraries and practical tips.",
)
BATCH_JOBS: tuple[dict[str, Any], ...] = (
    {
        "system": "You are a support-ticket triage system. Reply with JSON only.",
        "template": "Classify ticket #{id} into one of: billing, bug, account, feature_request, "
        "other.\nProduct: {product}\nCustomer tier: {tier}\nTicket text: {issue}",
        "slots": {
            "product": ("Mobile app", "Web dashboard", "API", "Desktop client", "Billing portal"),
            "tier": ("free", "pro", "enterprise"),
            "issue": (
                "I was charged twice this month.",
                "The export button does nothing.",
                "How do I add a teammate?",
                "Please add dark mode.",
                "Login fails with error 403 since yesterday.",
                "The app crashes when I upload a photo.",
                "Can I get an invoice with our VAT number?",
                "Sync is very slow on large projects.",
            ),
        },
        "labels": ("billing", "bug", "account", "feature_request", "other"),
        "json": True,
    },
    {
        "system": "Extract product attributes as JSON with keys brand, colour, size, material.",
        "template": "Listing {id}: {title}. {desc}",
        "slots": {
            "title": (
                "Men's running shoe",
                "Ceramic coffee mug 350ml",
                "Wool blend scarf",
                "Stainless steel water bottle",
                "Kids' rain jacket",
                "Oak side table",
            ),
            "desc": (
                "Lightweight and breathable, available in navy and grey.",
                "Dishwasher safe. Matte finish.",
                "Soft touch, one size fits most.",
                "Keeps drinks cold for 24 hours.",
                "Machine washable, sizes 4-12.",
            ),
        },
        "labels": ("ok",),
        "json": True,
    },
    {
        "system": "Answer with exactly one word: positive, negative or neutral.",
        "template": "Review {id}: {review}",
        "slots": {
            "review": (
                "Arrived quickly and works great.",
                "Stopped working after two days.",
                "It's fine, nothing special.",
                "Terrible customer service.",
                "Exactly as described, would buy again.",
                "The colour was different from the photo.",
            )
        },
        "labels": (" positive", " negative", " neutral"),
        "logprobs": True,
        "label_tokens": (6928, 8389, 20595),
        "max_tokens": 1,
    },
)
