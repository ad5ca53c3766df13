"""Static checks of the manifests, the monitoring stack and the compose files (tox -e lint)."""
