"""HTTP handlers, one module per group: landing page, probes, the business API, faults, and
the OpenAPI document of the public ones."""

# What a public edge may serve: the landing page, the business API and its OpenAPI document
# (app/openapi.json, which describes exactly these blueprints' routes). Probes are for the
# kubelet, /metrics for Prometheus, /fault for labs; all of them stay inside the cluster
# (k8s/overlays/production/ingress.yaml, checked by tests/lint/test_edge.py).
PUBLIC_BLUEPRINTS = frozenset({"landing", "api", "openapi"})
