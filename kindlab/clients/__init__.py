"""Layer 5: clients of what runs in a lab: the ingress, Prometheus, Alertmanager, Traefik's API."""
