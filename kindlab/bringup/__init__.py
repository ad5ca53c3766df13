"""Layer 6: bringing a lab up: the add-on registry, add-ons, the app's image and rollout, health,
metrics, diagnostics and the bring-up sequence shared by `kindlab up`, e2e and the labs."""
