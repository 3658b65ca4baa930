"""Score detection results against labels (spec section 4): the numbers the issue asks for.

Definitions (also in ``docs/detection.md``):

- ranking: AUROC and average precision of ``score`` over every labelled account that
  appears in ``accounts.csv`` (``attack`` = positive);
- flags: an account is flagged when its verdict is ``throttle`` or ``block``; precision,
  recall and false-positive rate over the same accounts; false positives per legit persona;
- clustering: adjusted Rand index over ATTACK accounts only, true groups = campaigns,
  predicted groups = ``cluster_id`` with unclustered accounts as singletons;
- per campaign (needs the exchanges): ``leak`` = share of its exchanges sent strictly
  before the first ``first_flagged_at`` of any of its accounts; ``withheld`` = share of its
  exchanges sent at or after their own account's ``first_flagged_at``, counted only for
  accounts still flagged at the end (a provisional throttle that was lifted withheld an
  unknown part of them, so none is claimed);
- ``released``: legitimate accounts that were throttled at some point (``first_flagged_at``
  set) but are not flagged at the end: they are not false positives by the definition
  above, but they did meet a throttle, so the report counts them apart.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb
from sklearn.metrics import adjusted_rand_score, average_precision_score, roc_auc_score

from distillguard.errors import InputError

__all__ = ["evaluate", "format_report", "read_csv_rows"]


def read_csv_rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a CSV file with a header, checking the columns we need are there."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
            return list(reader)
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def evaluate(
    labels_path: Path, results_dir: Path, con: duckdb.DuckDBPyConnection | None = None
) -> dict[str, Any]:
    """All metrics as a JSON-ready dict; per-campaign leak/withheld when ``con`` has exchanges."""
    labels = read_csv_rows(labels_path, ("account_id", "label"))
    results = {
        r["account_id"]: r
        for r in read_csv_rows(
            results_dir / "accounts.csv", ("account_id", "score", "verdict", "cluster_id")
        )
    }
    y, s, flagged, rows = [], [], [], []
    for lab in labels:
        res = results.get(lab["account_id"])
        if res is None:
            continue
        try:
            score = float(res["score"])
        except ValueError:
            raise InputError(f"bad score {res['score']!r} for {lab['account_id']}") from None
        is_attack = lab["label"].strip() == "attack"
        is_flag = res["verdict"] in ("throttle", "block")
        y.append(int(is_attack))
        s.append(score)
        flagged.append(is_flag)
        rows.append((lab, res, is_attack, is_flag))
    if not rows:
        raise InputError("no labelled account appears in the results")
    out: dict[str, Any] = {"n_accounts": len(rows), "n_attack": sum(y)}
    both = 0 < sum(y) < len(y)
    out["auroc"] = float(roc_auc_score(y, s)) if both else None
    out["average_precision"] = float(average_precision_score(y, s)) if both else None
    tp = sum(1 for a, f in zip(y, flagged, strict=True) if a and f)
    fp = sum(1 for a, f in zip(y, flagged, strict=True) if not a and f)
    n_pos, n_neg = sum(y), len(y) - sum(y)
    out["precision"] = tp / (tp + fp) if tp + fp else None
    out["recall"] = tp / n_pos if n_pos else None
    out["false_positive_rate"] = fp / n_neg if n_neg else None
    out["false_positives"] = fp
    personas: dict[str, list[int]] = {}
    for lab, res, is_attack, is_flag in rows:
        if not is_attack:
            p = personas.setdefault(lab.get("persona") or "", [0, 0, 0])
            p[0] += 1
            p[1] += int(is_flag)
            p[2] += int(not is_flag and bool(res.get("first_flagged_at")))
    out["legit_personas"] = {
        k: {"accounts": v[0], "flagged": v[1], "released": v[2]}
        for k, v in sorted(personas.items())
    }
    out["legit_released"] = sum(v[2] for v in personas.values())
    attack = [(lab, res) for lab, res, a, _ in rows if a]
    if attack:
        truth = [lab.get("campaign") or "?" for lab, _ in attack]
        pred = [res["cluster_id"] or f"single:{lab['account_id']}" for lab, res in attack]
        out["ari_attack_accounts"] = float(adjusted_rand_score(truth, pred))
    campaigns: dict[str, dict[str, Any]] = {}
    for lab, _res, is_attack, is_flag in rows:
        if is_attack:
            c = campaigns.setdefault(lab.get("campaign") or "?", {"accounts": 0, "flagged": 0})
            c["accounts"] += 1
            c["flagged"] += int(is_flag)
    if con is not None:
        _leaks(con, rows, campaigns)
    out["campaigns"] = campaigns
    return out


def _leaks(con: duckdb.DuckDBPyConnection, rows: list, campaigns: dict[str, dict]) -> None:
    data = [
        (
            lab["account_id"],
            lab.get("campaign") or "?",
            res.get("first_flagged_at") or None,
            (res.get("first_flagged_at") or None) if is_flag else None,
        )
        for lab, res, is_attack, is_flag in rows
        if is_attack
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _eval_att "
        "(account_id VARCHAR, campaign VARCHAR, ff VARCHAR, held VARCHAR)"
    )
    con.executemany("INSERT INTO _eval_att VALUES (?, ?, ?, ?)", data)
    result = con.execute(
        """
        WITH a AS (SELECT account_id, campaign,
                          CAST(ff AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS ff,
                          CAST(held AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS held
                   FROM _eval_att),
             c AS (SELECT campaign, min(ff) AS first_ff FROM a GROUP BY campaign)
        SELECT a.campaign, count(*) AS n,
               count(*) FILTER (WHERE c.first_ff IS NULL OR x.ts < c.first_ff) AS leaked,
               count(*) FILTER (WHERE a.held IS NOT NULL AND x.ts >= a.held) AS withheld
        FROM exchanges x JOIN a USING (account_id) JOIN c USING (campaign)
        GROUP BY a.campaign
        """
    ).fetchall()
    for campaign, n, leaked, withheld in result:
        c = campaigns[campaign]
        c["exchanges"] = n
        c["leak"] = leaked / n if n else None
        c["withheld"] = withheld / n if n else None


def _f(x: Any, pct: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{x:.2%}" if pct else f"{x:.4f}"


def format_report(m: dict[str, Any]) -> str:
    """The metrics as a plain-text table."""
    lines = [
        f"accounts {m['n_accounts']} (attack {m['n_attack']})",
        f"AUROC {_f(m['auroc'])}   average precision {_f(m['average_precision'])}",
        f"at verdict >= throttle: precision {_f(m['precision'])}  recall {_f(m['recall'])}  "
        f"FPR {_f(m['false_positive_rate'], True)} ({m['false_positives']} legit accounts)",
        f"ARI (attack accounts, singletons for unclustered) {_f(m.get('ari_attack_accounts'))}",
        f"legit accounts throttled for a while, then released: {m.get('legit_released', 0)}",
        "",
        f"{'legit persona':<28}{'accounts':>10}{'flagged':>9}{'released':>10}",
    ]
    for name, v in m["legit_personas"].items():
        lines.append(
            f"{name or '(none)':<28}{v['accounts']:>10}{v['flagged']:>9}{v.get('released', 0):>10}"
        )
    lines += [
        "",
        f"{'campaign':<28}{'accounts':>10}{'flagged':>9}{'exchanges':>11}{'leak':>9}{'withheld':>10}",
    ]
    for name, c in sorted(m["campaigns"].items()):
        lines.append(
            f"{name:<28}{c['accounts']:>10}{c['flagged']:>9}{c.get('exchanges', ''):>11}"
            f"{_f(c.get('leak'), True):>9}{_f(c.get('withheld'), True):>10}"
        )
    return "\n".join(lines)
