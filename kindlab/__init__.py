"""kindlab tooling: air-gapped cluster, Docker engine, helpers shared by e2e and labs."""
