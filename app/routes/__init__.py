"""HTTP handlers, one module per group: probes, the business API, fault injection."""
