"""A real browser (headless Chromium) reads the pages: home -> network -> group -> city."""

from __future__ import annotations


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
