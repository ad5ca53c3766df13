"""Layer 7: what e2e and the labs do to a running app: operations, autoscaling, crashes and
alert drills."""
