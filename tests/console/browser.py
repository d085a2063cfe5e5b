"""A headless Chromium (Debian's `chromium` + `chromium-driver`) driven by Selenium, for tests against a live server.

Nothing is downloaded: Selenium is pointed at /usr/bin/chromium and /usr/bin/chromedriver (installed by `.ci/run`,
or by hand: `apt-get install -y chromium chromium-driver`). Without them the browser tests are skipped with that
instruction, except in CI (`CI=true`), where a missing browser fails the run instead of hiding the tests.
`*.localhost` host names resolve to 127.0.0.1 inside the browser (`--host-resolver-rules`), so each project's
console is reached at `http://<slug>.localhost:<port>/admin/` as a user would reach it.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver",)
INSTALL_HINT = "apt-get install -y chromium chromium-driver"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * 127.0.0.1",
    "--window-size=1280,1000",
)


def _first_existing(candidates: tuple[str, ...], name: str) -> str | None:
    found = next((path for path in candidates if Path(path).is_file()), None)
    return found or shutil.which(name)


def browser_binaries() -> tuple[str, str]:
    """(chromium, chromedriver); skips the test when they are missing, or fails it in CI."""
    chromium = _first_existing(CHROMIUM_CANDIDATES, "chromium")
    driver = _first_existing(DRIVER_CANDIDATES, "chromedriver")
    if chromium and driver:
        return chromium, driver
    missing = ", ".join(name for name, path in (("chromium", chromium), ("chromedriver", driver)) if not path)
    message = f"Headless browser tests need Debian's chromium and chromium-driver ({missing} missing): {INSTALL_HINT}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}. CI installs them in .ci/run; a missing browser must not skip these tests in CI.")
    pytest.skip(message)


@contextmanager
def headless_chromium(profile_dir: Path) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium (own profile directory), quit on exit."""
    chromium, driver_path = browser_binaries()
    options = Options()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    service = Service(executable_path=driver_path, log_output=str(profile_dir.parent / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
