"""Detection engine: flag distillation accounts and the clusters they operate in.

Layout (one job per module): ``enrich`` (per-exchange columns), ``features`` (behaviour
counters, one definition for both executors), ``linking`` (rarity-weighted cross-account
union-find), ``scoring`` (evidence -> score, reasons), ``policy`` (TOML thresholds),
``engine`` (the causal pass), ``batch`` (store executor and result files), ``live``
(streaming executor), ``evaluate`` (metrics against labels), ``commands`` (CLI).
"""

from __future__ import annotations

from distillguard.detect.batch import Detection, detect_store, enrich_store, write_results
from distillguard.detect.engine import AccountInfo, Engine, VerdictChange
from distillguard.detect.enrich import TAGS, Enriched, enrich
from distillguard.detect.live import LiveDetector
from distillguard.detect.policy import Policy, load_policy

__all__ = [
    "TAGS",
    "AccountInfo",
    "Detection",
    "Engine",
    "Enriched",
    "LiveDetector",
    "Policy",
    "VerdictChange",
    "detect_store",
    "enrich",
    "enrich_store",
    "load_policy",
    "write_results",
]
