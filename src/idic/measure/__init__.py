"""Measure: is the customer base worth more than last year? (DOMAIN.md section 6)

Customer equity (:mod:`.equity`), return on customer (:mod:`.roc`), KPIs for a period vs the
previous one (:mod:`.kpis`), cohort retention (:mod:`.cohorts`), recommendations
(:mod:`.actions`), the stage writing ``kpis`` / ``cohorts`` (:mod:`.stage`) and the
customer-strategy report (:mod:`.report`).
"""

from idic.measure.cohorts import average_curve, cohort_retention, retention_matrix
from idic.measure.equity import customer_equity, discounted_value, equity_change
from idic.measure.kpis import Period, period_ending, period_kpis
from idic.measure.roc import ROC, return_on_customer

__all__ = ["ROC", "Period", "average_curve", "build_report", "cohort_retention",
           "customer_equity", "discounted_value", "equity_change", "period_ending",
           "period_kpis", "retention_matrix", "return_on_customer", "run"]


def build_report(ws, output):
    """See :func:`idic.measure.report.build_report`."""
    from idic.measure.report import build_report as _build

    return _build(ws, output)


def run(ws, **kwargs):
    """See :func:`idic.measure.stage.run`."""
    from idic.measure.stage import run as _run

    return _run(ws, **kwargs)
