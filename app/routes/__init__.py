"""HTTP handlers, one module per group: landing page, probes, the business API, faults."""

# What a public edge may serve: the landing page and the business API. Probes are for the
# kubelet, /metrics for Prometheus, /fault for labs; all of them stay inside the cluster
# (k8s/overlays/production/ingress.yaml, checked by tests/lint/test_edge.py).
PUBLIC_BLUEPRINTS = frozenset({"landing", "api"})
