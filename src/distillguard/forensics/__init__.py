"""Forensics: case reports for legal, and STIX 2.1 indicators shared between providers.

- :func:`build_report` / :func:`write_report`: one cluster or account as a Markdown or
  self-contained HTML case file with a chain-of-custody section (``distillguard report``).
- :func:`export_bundle`: convicted clusters as a STIX 2.1 bundle, private attributes only
  as keyed hashes (``distillguard intel export``).
- :func:`match_bundles` / :func:`write_matches`: partners' indicators against our store,
  as ``watch`` proposals in the ``override --from-detections`` columns
  (``distillguard intel match``).
"""

from __future__ import annotations

from distillguard.forensics.intel import ExportSummary, export_bundle, parse_bundle
from distillguard.forensics.match import MatchResult, match_bundles, write_matches
from distillguard.forensics.report import ReportInputs, build_report, write_report

__all__ = [
    "ExportSummary",
    "MatchResult",
    "ReportInputs",
    "build_report",
    "export_bundle",
    "match_bundles",
    "parse_bundle",
    "write_matches",
    "write_report",
]
