"""kindlab tooling: the air-gapped cluster, Docker engine and cluster helpers shared by e2e and labs."""
