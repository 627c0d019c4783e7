"""What the plot and report tests need, and the headless browser they open the report in.

The browser is Debian's chromium (`make test` installs it), driven by Playwright through its own
pipe to the browser: Playwright gives the page's console messages and every request it makes as
events (``page.on("console")``, ``context.route``), which Selenium reaches only through driver logs,
and it needs no matching chromedriver; its own browser download is never used
(``executable_path``). Locally a missing piece skips the tests; under CI=true tests/conftest.py
makes it a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium stalls on a machine with no network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing() -> str:
    """What is missing for the plot and report tests, or ''."""
    absent = [name for name in ("matplotlib", "PIL", "playwright") if importlib.util.find_spec(name) is None]
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        absent.append(CHROMIUM)
    return ", ".join(absent)


def need(*modules: str) -> None:
    """Skip the test when a module it needs is missing (under CI=true conftest fails the run first)."""
    for module in modules:
        pytest.importorskip(module)


@contextmanager
def browser_page(tmp_path, width=1280, height=900):
    """A page in a fresh chromium profile, with the console messages and requests it makes recorded;
    every request not for a file:// address is refused (and recorded)."""
    need("playwright")
    if not os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM) is None:
        pytest.skip(f"no {CHROMIUM} (apt-get install chromium; `make test` does it)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "profile"
    profile.mkdir()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=FLAGS, headless=True,
            viewport={"width": width, "height": height}, offline=True)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.console, page.requests, page.dialogs = [], [], []
            page.on("console", lambda message: page.console.append((message.type, message.text)))
            page.on("pageerror", lambda error: page.console.append(("error", str(error))))
            page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
            page.on("request", lambda request: page.requests.append(request.url))
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                          else route.abort())
            yield page
        finally:
            context.close()
