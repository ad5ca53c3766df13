"""`python -m app.healthcheck`: the image's HEALTHCHECK, so the image needs no curl.

Exit status 0 when /health answers 200 on this container's port, 1 otherwise, as Docker expects.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from app.settings import port_from_env


def check(port: int, timeout: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    return 0 if check(port_from_env()) else 1


if __name__ == "__main__":
    sys.exit(main())
