"""Layer 9: test-only helpers: the cluster fixtures plugin (loaded only by the cluster tiers),
gates, the run report, the browser and readiness checks, the app's public routes."""
