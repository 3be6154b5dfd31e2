"""Voice of the customer: NPS / CSAT / CES with uncertainty, sentiment of free text."""
