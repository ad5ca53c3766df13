"""A kind cluster for kindlab: platform choice, creation, manifests, waits and diagnostics."""
