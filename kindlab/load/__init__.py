"""Layer 8: traffic: vegeta at a constant rate through the ingress, soak runs and their charts."""
