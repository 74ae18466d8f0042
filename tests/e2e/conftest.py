"""A real browser (Debian's headless Chromium through Selenium) for the page tests, and the
folder its screenshots go to (printed at the end of the run)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from service.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Where screenshots of every page kind are written (CITYNET_SCREENSHOTS overrides).
SCREENSHOTS = Path(os.environ.get("CITYNET_SCREENSHOTS", PROJECT_ROOT / "var" / "screenshots"))
_written: list[Path] = []


@pytest.fixture(scope="session")
def downloads_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads_dir: Path):
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("/usr/bin/chromium or /usr/bin/chromedriver is missing")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="citynet-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--hide-scrollbars", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads_dir),
        "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    driver.set_window_size(1280, 900)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver, name: str) -> Path:
    """A full-page picture of what the browser shows now, into SCREENSHOTS."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 600), 6000))
    path = SCREENSHOTS / f"{name}-{width}.png"
    driver.save_screenshot(str(path))
    _written.append(path)
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    if _written:
        terminalreporter.write_line(f"screenshots ({len(_written)}): {SCREENSHOTS}")
