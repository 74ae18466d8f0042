"""A real browser (headless Chromium) reads the pages: home -> network -> group -> city."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")]


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="citynet-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _follow(driver, text: str) -> None:
    from selenium.webdriver.common.by import By

    links = driver.find_elements(By.LINK_TEXT, text)
    assert links, f"no link {text!r} on {driver.current_url}"
    links[0].click()


def test_a_person_browses_from_the_home_page_to_a_member_city(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server.url)
    assert "Browse the networks" in browser.find_element(By.TAG_NAME, "body").text
    _follow(browser, "Eurocities")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Eurocities"
    _follow(browser, "Migration and integration")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Migration and integration"
    roles = browser.find_element(By.CSS_SELECTOR, "table.roles").text
    assert "Barcelona" in roles and "chair city" in roles
    _follow(browser, "Barcelona")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Barcelona"
    assert "/doc/city/barcelona" in browser.current_url
    assert "Migration and integration" in browser.find_element(By.TAG_NAME, "body").text


def test_a_person_searches_by_name(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server.url)
    box = browser.find_element(By.ID, "q")
    box.send_keys("Tampere")
    box.submit()
    results = browser.find_element(By.CSS_SELECTOR, "ul.results").text
    assert "Tampere" in results
