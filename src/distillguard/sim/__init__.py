"""The traffic simulator: a labelled, realistic scenario of API traffic with attacks in it.

``simulate(out_dir, ...)`` writes::

    out_dir/exchanges/part-NNNNN.jsonl.gz   exchange records (spec section 1), time-ordered
    out_dir/accounts.jsonl                  every account that appears (spec section 2)
    out_dir/labels.csv                      account_id,label,campaign,persona (section 4)
    out_dir/scenario.json                   the settings and per persona/campaign counts

Legitimate personas are built as hard look-alikes of the attacks, and attackers draw their
text from the same pools as everyone else; see ``docs/simulator.md``.
"""

from distillguard.sim.roster import CAMPAIGNS, PERSONAS
from distillguard.sim.scenario import PRESETS, ScenarioSummary, simulate

__all__ = ["CAMPAIGNS", "PERSONAS", "PRESETS", "ScenarioSummary", "simulate"]
