"""Roles of the connected customer (Augmented Customer Strategy, table 6.1): one person can
be at once consumer, customer, user, influencer, fan, ambassador and basher."""
