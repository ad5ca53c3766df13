"""Layer 2: getting the bits: verified downloads, Go and Node builds, Docker images (the app's,
the receiver's) and the air-gapped recipes (airgap/). Imports only core."""
