"""Services shared by the API and the CLI: workspace access across processes, event spool,
customer 360."""
