"""Return on customer (Peppers & Rogers, *Return on Customer*, 2005; *Managing Customer
Experience and Relationships*, ch. 11):

    ROC = (cash flow from customers in the period + change in customer equity during the
           period) / customer equity at the start of the period

Worked example: cash flow 100, equity 1000 at the start and 950 at the end:
(100 + (950 - 1000)) / 1000 = 0.05.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def return_on_customer(cash_flow: float, equity_start: float, equity_end: float) -> float:
    """ROC = (cash flow + (equity_end - equity_start)) / equity_start.

    Raises ``ValueError`` when the equity at the start is not positive (ROC is undefined).
    """
    if not equity_start or equity_start <= 0 or math.isnan(equity_start):
        raise ValueError("return on customer needs a positive customer equity at the start")
    return (float(cash_flow) + (float(equity_end) - float(equity_start))) / float(equity_start)


@dataclass(frozen=True)
class ROC:
    """The parts of one period's return on customer."""

    cash_flow: float
    equity_start: float
    equity_end: float

    @property
    def equity_change(self) -> float:
        return self.equity_end - self.equity_start

    @property
    def value_created(self) -> float:
        """Cash flow plus change in equity: the numerator of ROC."""
        return self.cash_flow + self.equity_change

    @property
    def roc(self) -> float | None:
        """None when the equity at the start is zero (no customers yet)."""
        try:
            return return_on_customer(self.cash_flow, self.equity_start, self.equity_end)
        except ValueError:
            return None

    def to_dict(self) -> dict[str, Any]:
        return {"cash_flow": self.cash_flow, "equity_start": self.equity_start,
                "equity_end": self.equity_end, "equity_change": self.equity_change,
                "value_created": self.value_created, "roc": self.roc}
