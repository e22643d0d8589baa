"""``budgetqa check``: every inconsistency general rules can find in the SQL store, in Chinese.

One module per group of rules (``funds``: catalog versus forms; ``departments``;
``indicators``: weights and units; ``totals``: stated totals and table subtotals;
``documents``: ingest anomalies and renditions), each yielding ``Finding``s with
the source rows that show them; ``report`` runs them all and writes the report.
Rules are stated in general terms — rounding precision, code hierarchy, what an
indicator's name says it measures — never as a list of known cases.
"""

from assistant.checks.common import RULES, Finding
from assistant.checks.report import render_text, report_json, run_checks

__all__ = ["RULES", "Finding", "render_text", "report_json", "run_checks"]
