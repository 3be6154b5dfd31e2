"""Next best action: per customer, the allowed action with the highest expected value."""
