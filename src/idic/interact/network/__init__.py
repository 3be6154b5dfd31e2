"""Social CRM networks: referral and social graphs, PageRank, network metrics, value beyond
purchases (customer referral / influencer / knowledge value), bashers."""
