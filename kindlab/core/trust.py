"""The CA bundle this host trusts, for tools that bring their own (pip in a build, Node.js).

Our CI reaches registries through a TLS-intercepting proxy whose CA is only in the host's
bundle; a tool with a CA list of its own must be pointed at it.
"""

from __future__ import annotations

import os
from pathlib import Path

SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def ca_bundle() -> Path | None:
    """The CA bundle the host trusts (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, then Debian's)."""
    for candidate in (os.environ.get("SSL_CERT_FILE"), os.environ.get("REQUESTS_CA_BUNDLE")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return SYSTEM_CA_BUNDLE if SYSTEM_CA_BUNDLE.is_file() else None
