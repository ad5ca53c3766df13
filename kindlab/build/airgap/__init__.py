"""The air-gapped path: all a kind cluster needs, built from Debian packages and Go modules."""
