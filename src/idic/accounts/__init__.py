"""B2B: contacts roll up to accounts (Peppers & Rogers, "Customer Identification in a B2B
Setting"). :mod:`.link` ties resolved customers to accounts, :mod:`.rollup` sums their
orders, value, CLV and journeys per account, :mod:`.stage` writes the tables, :mod:`.profile`
is the account 360."""
