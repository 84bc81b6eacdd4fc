"""Console-managed Zen gateway auth for turnout: login, tokens, orgs, remote config."""
