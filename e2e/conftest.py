"""The e2e suite's fixtures live in kindlab.testing.fixtures (the root conftest.py loads them).

The browser fixture lives here instead: Playwright is in the e2e tier's extras only, and the
labs tier, which loads kindlab.testing.fixtures too, does not install it.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from kindlab.bringup.addons import Endpoints
from kindlab.testing.browser import CHROMIUM, Browser, chromium, clear_screenshots
from kindlab.testing.gates import require_browser


@pytest.fixture(scope="session")
def browser(endpoints: Endpoints) -> Iterator[Browser]:
    """One headless Chromium for the session; the ingress host resolves to Traefik inside it.

    Screenshots of an earlier run go first, so reports/ shows this run's pages only.
    """
    require_browser(CHROMIUM)
    clear_screenshots()
    traefik = urlsplit(endpoints.ingress).hostname or "127.0.0.1"
    with chromium(hosts={endpoints.ingress_host: traefik}) as opened:
        yield opened
