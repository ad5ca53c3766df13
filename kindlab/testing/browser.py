"""Pages a person would open, opened in a real browser: Debian's Chromium, driven by Playwright.

Playwright is the maintained client; its own browser download cannot work here, so it drives
the system's /usr/bin/chromium. The flags keep Chromium off the network except for the pages
asked for (no sync, component updates or background fetches, which a closed network refuses
many times over), and every session starts from a fresh, empty profile. Host names that public
DNS would resolve to 127.0.0.1 (app.localtest.me) are mapped inside the browser, so the page
works where there is no DNS at all.

Checks fail with BrowserCheckFailed, whose message says what the page showed instead, and a
screenshot of the failing page saved next to the others in reports/.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from playwright.sync_api import BrowserContext, Error, Page, expect, sync_playwright

from kindlab.core.errors import KindlabError
from kindlab.core.paths import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",  # only local pages are opened: never through a proxy
)
SCREENSHOTS = REPO_ROOT / "reports"
SCREENSHOT_PREFIX = "browser-"
DEFAULT_TIMEOUT = 10.0
EXCERPT_CHARS = 300


class BrowserCheckFailed(KindlabError):
    """A page did not show what it should; the message quotes what it showed."""


@dataclass
class Browser:
    """One Chromium profile; each open() is a new tab."""

    context: BrowserContext
    screenshots: Path

    def open(self, url: str, *, shot: str) -> Page:
        """Load `url` (following redirects); an error status or no answer fails the check."""
        page = self.context.new_page()
        try:
            response = page.goto(url, wait_until="load")
        except Error as exc:
            self.fail(page, shot, f"{url} could not be loaded: {_first_line(exc)}")
        if response is None or not response.ok:
            status = response.status if response else "no response"
            self.fail(page, shot, f"{url} answered {status}: {excerpt(page)!r}")
        return page

    def text(
        self,
        page: Page,
        selector: str,
        *,
        shot: str,
        contains: str | re.Pattern[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> str:
        """The text of the first element matching `selector`, once it is visible (and, if
        given, contains `contains`); waits up to `timeout` seconds, as a person would."""
        element = page.locator(selector).first
        try:
            expect(element).to_be_visible(timeout=timeout * 1000)
            if contains is not None:
                expect(element).to_contain_text(contains, timeout=timeout * 1000)
            return element.inner_text(timeout=timeout * 1000)
        except (AssertionError, Error) as exc:
            wanted = f"{selector!r}" + (f" containing {contains!r}" if contains else "")
            self.fail(
                page,
                shot,
                f"{page.url} shows no {wanted} within {timeout:.0f}s "
                f"({_first_line(exc)}); the page shows: {excerpt(page)!r}",
            )

    def next_load(self, page: Page, *, shot: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait for the page to load again by itself (a meta refresh, a script's reload)."""
        try:
            page.wait_for_event("load", timeout=timeout * 1000)
        except Error as exc:
            self.fail(
                page,
                shot,
                f"{page.url} did not reload itself within {timeout:.0f}s "
                f"({_first_line(exc)}); the page shows: {excerpt(page)!r}",
            )

    def screenshot(self, page: Page, name: str) -> Path:
        """The whole page as reports/browser-<name>.png."""
        path = self.screenshots / f"{SCREENSHOT_PREFIX}{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    def fail(self, page: Page, shot: str, message: str) -> NoReturn:
        path = self.screenshot(page, f"{shot}-failed")
        raise BrowserCheckFailed(f"{message} (screenshot: {path})")


def clear_screenshots(directory: Path = SCREENSHOTS) -> None:
    """Remove an earlier run's screenshots, so the folder shows one run's pages only."""
    for earlier in directory.glob(f"{SCREENSHOT_PREFIX}*.png"):
        earlier.unlink()


def excerpt(page: Page) -> str:
    """What a person would read on the page, shortened for an error message."""
    try:
        text = page.locator("body").inner_text(timeout=2000)
    except Error:
        text = page.content()
    return " ".join(text.split())[:EXCERPT_CHARS]


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextmanager
def chromium(
    hosts: Mapping[str, str] | None = None, screenshots: Path = SCREENSHOTS
) -> Iterator[Browser]:
    """Headless Chromium with a new empty profile; `hosts` maps names to addresses."""
    if not CHROMIUM.exists():
        raise BrowserCheckFailed(f"{CHROMIUM} is missing: apt-get install chromium")
    args = list(CHROMIUM_FLAGS)
    if hosts:
        rules = ",".join(f"MAP {name} {address}" for name, address in hosts.items())
        args.append(f"--host-resolver-rules={rules}")
    with (
        tempfile.TemporaryDirectory(prefix="kindlab-chromium-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=args
        )
        try:
            yield Browser(context, screenshots)
        finally:
            context.close()
