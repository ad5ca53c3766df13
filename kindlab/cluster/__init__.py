"""Layer 4: one kind cluster: which one (identity), its API clients, apply, waits, creation and
deletion, and what it is made of (platform)."""
