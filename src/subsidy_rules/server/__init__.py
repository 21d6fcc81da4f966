"""`subsidy-rules serve`: the HTTP API under /api/v1 and the page for policy staff."""
