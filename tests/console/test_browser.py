"""The project console in a real browser (headless Chromium) against a live server with real commits:
sign in, create a table and a field, add a record and see it listed; a member of project A cannot open B's console.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from shared_apps.foundation.db.schemas import in_schema
from tenant_apps.data_schemas import services as schema_services
from tenant_apps.data_schemas.definitions import definitions_forget_local
from tenant_apps.data_schemas.selectors import table_get
from tests.conftest import PASSWORD
from tests.console.browser import headless_chromium

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    with headless_chromium(tmp_path / "chromium-profile") as driver:
        yield driver


@pytest.fixture
def console_url(live_server: Any) -> Any:
    port = live_server.url.rsplit(":", 1)[1]

    def url(slug: str, path: str = "/admin/") -> str:
        return f"http://{slug}.localhost:{port}{path}"

    return url


def _wait_for(driver: webdriver.Chrome, css: str) -> Any:
    return WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def _follow(driver: webdriver.Chrome, css: str, url: str) -> None:
    """Click a link and wait until its page is loaded (an element of the old page would go stale under load)."""
    driver.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(driver, 15).until(expected_conditions.url_to_be(url))


def _submit(driver: webdriver.Chrome, name: str = "_save") -> None:
    driver.find_element(By.CSS_SELECTOR, f'input[type="submit"][name="{name}"]').click()


def _sign_in(driver: webdriver.Chrome, url: str, email: str) -> None:
    driver.get(url)
    _wait_for(driver, "#id_username").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, 'input[type="submit"]').click()


def test_owner_creates_a_table_a_field_and_a_record(
    browser: webdriver.Chrome, console_url: Any, make_user: Any, make_project: Any, tmp_path: Path
) -> None:
    owner = make_user(email="owner@example.com")
    shop = make_project(owner, slug="shop")

    # Sign in: the console sends an anonymous visitor to its login page first.
    browser.get(console_url("shop"))
    assert "/admin/login/" in browser.current_url
    _sign_in(browser, browser.current_url, "owner@example.com")
    _wait_for(browser, "#content-main")
    assert "Project console · shop" in browser.page_source
    assert "owner of" in browser.page_source

    # Create a table.
    _follow(browser, '#content-main a[href="/admin/tables/"]', console_url("shop", "/admin/tables/"))
    _follow(browser, "a.addlink", console_url("shop", "/admin/tables/add/"))
    _wait_for(browser, "#id_name").send_keys("books")
    browser.find_element(By.ID, "id_display_name").send_keys("Books")
    _submit(browser)
    _wait_for(browser, "#field_list")
    assert browser.current_url == console_url("shop", "/admin/tables/books/")
    assert "Table &#x27;books&#x27; created." in browser.page_source or "Table 'books' created." in browser.page_source

    # Add a field.
    browser.find_element(By.CSS_SELECTOR, '.object-tools a[href="/admin/tables/books/fields/add/"]').click()
    _wait_for(browser, "#id_name").send_keys("title")
    Select(browser.find_element(By.ID, "id_type")).select_by_value("text")
    _submit(browser)
    _wait_for(browser, "tr.field-title")
    assert "Field &#x27;title&#x27; (text) added" in browser.page_source or "Field 'title' (text) added" in (
        browser.page_source
    )

    # Add a record and see it listed.
    records = console_url("shop", "/admin/tables/books/records/")
    _follow(browser, '.object-tools a[href="/admin/tables/books/records/"]', records)
    _follow(browser, "a.addlink", console_url("shop", "/admin/tables/books/records/add/"))
    _wait_for(browser, "#id_title").send_keys("Dune, by Frank Herbert")
    _submit(browser)
    row = _wait_for(browser, "#result_list tbody tr.record-1")
    assert "Dune, by Frank Herbert" in row.text
    assert browser.current_url == console_url("shop", "/admin/tables/books/records/")
    screenshot = tmp_path / "console-records.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    assert "Dune, by Frank Herbert" in browser.page_source

    # Search finds it; the write went through the records services into the project's schema.
    search = browser.find_element(By.ID, "searchbar")
    search.send_keys("herbert")
    browser.find_element(By.CSS_SELECTOR, '#changelist-search input[type="submit"]').click()
    assert "Dune, by Frank Herbert" in _wait_for(browser, "#result_list tbody").text
    definitions_forget_local()
    with in_schema(shop.schema_name):
        _, table = table_get(name="books")
        assert list(table.model._default_manager.values_list("title", flat=True)) == ["Dune, by Frank Herbert"]


def test_a_member_of_project_a_cannot_open_project_b(
    browser: webdriver.Chrome, console_url: Any, make_user: Any, make_project: Any
) -> None:
    owner = make_user(email="owner@example.com")
    make_project(owner, slug="shop")
    other = make_project(make_user(email="b-owner@example.com"), slug="other")
    with in_schema(other.schema_name):
        schema_services.table_create(name="secret_plans")

    # Signed in on A's console ...
    _sign_in(browser, console_url("shop", "/admin/login/"), "owner@example.com")
    _wait_for(browser, "#content-main")
    assert "Project console · shop" in browser.page_source

    # ... B's console refuses the same account, and shows nothing of B.
    _sign_in(browser, console_url("other", "/admin/login/"), "owner@example.com")
    error = _wait_for(browser, "p.errornote")
    assert "This account is not an owner or admin of this project." in error.text
    assert "secret_plans" not in browser.page_source
    browser.get(console_url("other", "/admin/tables/"))
    _wait_for(browser, "#id_username")
    assert "/admin/login/" in browser.current_url
    assert "secret_plans" not in browser.page_source
    browser.get(console_url("other", "/admin/tables/secret_plans/records/"))
    _wait_for(browser, "#id_username")
    assert "secret_plans" not in browser.find_element(By.ID, "content").text
