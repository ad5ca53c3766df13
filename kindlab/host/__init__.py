"""Layer 3: this machine: the Docker engine, frozen cgroups, host ports, docker compose and the
machine-wide load slot."""
