"""A new user's journey in a real browser (headless Chromium) against a live server on this run's servers (the
embedded default under `python3 manage.py test`): the demo data as `up` seeds it; the project console is styled;
the project's Swagger UI authorizes with an API key and "Try it out" lists records; the staff account opens the
platform console.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from devstack import cli
from tenants.models import Project
from tenants.services import api_key_create
from tests.console.browser import headless_chromium

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
STAFF_PASSWORD = "journey-staff-Password-9"
RECORDS_PATH = "/api/v1/tables/notes/records/"
ADMIN_HEADER_BG = "rgb(65, 118, 144)"  # Django admin's --header-bg (#417690): only there when base.css loaded


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    with headless_chromium(tmp_path / "chromium-profile") as driver:
        yield driver


@pytest.fixture
def demo(tmp_path: Path, project_api: Any) -> dict[str, Any]:
    """What `up` seeds (demo owner, project, staff account), a table with one record and an API key of `demo`."""
    password_file = tmp_path / "staff_password"
    password_file.write_text(STAFF_PASSWORD)
    call_command("seed_demo", staff_password_file=password_file)
    project = Project.objects.get(slug=cli.DEMO_PROJECT)
    key = api_key_create(project=project, actor_role="owner", user=None, name="swagger", scope="read").secret  # type: ignore[arg-type]
    owner_api = project_api(project, api_key=api_key_create(
        project=project, actor_role="owner", user=None, name="setup", scope="admin"  # type: ignore[arg-type]
    ).secret)  # fmt: skip
    created = owner_api.post("/api/v1/tables/", {"name": "notes", "fields": [{"name": "title", "type": "text"}]})
    assert created.status_code == 201, created.content
    record = owner_api.post(RECORDS_PATH, {"title": "Hello from the journey"})
    assert record.status_code == 201, record.content
    return {"key": key, "record_id": record.json()["id"]}


def _wait(driver: webdriver.Chrome, css: str, *, clickable: bool = False, within: float = 20) -> WebElement:
    condition = (
        expected_conditions.element_to_be_clickable if clickable else expected_conditions.presence_of_element_located
    )
    return WebDriverWait(driver, within).until(condition((By.CSS_SELECTOR, css)))


def _sign_in(driver: webdriver.Chrome, url: str, email: str, password: str) -> None:
    driver.get(url)
    _wait(driver, "#id_username").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, 'input[type="submit"]').click()
    # the login page has a #content-main too: wait until the browser has left it
    WebDriverWait(driver, 20).until(lambda d: "/login/" not in d.current_url)
    _wait(driver, "#content-main")


def _assert_styled(driver: webdriver.Chrome) -> None:
    """Every stylesheet of the page answered 200, and an element styled by base.css has its computed style."""
    sheets = driver.execute_script(
        "return Array.from(document.querySelectorAll('link[rel=stylesheet]')).map(link => link.href)"
    )
    assert sheets, "the page links no stylesheet"
    statuses = dict(
        driver.execute_script(
            "return performance.getEntriesByType('resource').map(entry => [entry.name, entry.responseStatus])"
        )
    )
    assert {sheet: statuses.get(sheet) for sheet in sheets} == dict.fromkeys(sheets, 200)
    rule_counts = driver.execute_script("return Array.from(document.styleSheets).map(sheet => sheet.cssRules.length)")
    assert rule_counts
    assert all(count > 0 for count in rule_counts), rule_counts
    header = driver.execute_script("return getComputedStyle(document.getElementById('header')).backgroundColor")
    assert header == ADMIN_HEADER_BG


def _operation(driver: webdriver.Chrome, method: str, path: str) -> WebElement:
    """The Swagger UI operation block of `method path`, once the project's document is loaded."""

    def find(_driver: Any) -> WebElement | bool:
        for block in driver.find_elements(By.CSS_SELECTOR, f".opblock.opblock-{method}"):
            summary = block.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
            shown = summary[0].get_attribute("data-path") or summary[0].text.replace("\u200b", "") if summary else ""
            if shown == path:
                return block
        return False

    block = WebDriverWait(driver, 20).until(find)
    assert isinstance(block, WebElement)
    return block


def test_new_user_journey_consoles_and_swagger_ui(
    browser: webdriver.Chrome, live_server: Any, demo: dict[str, Any], tmp_path: Path
) -> None:
    port = live_server.url.rsplit(":", 1)[1]
    project_base = f"http://{cli.DEMO_PROJECT}.localhost:{port}"

    # 1. The project console, as the demo owner: styled as Django intends.
    _sign_in(browser, f"{project_base}/admin/", cli.DEMO_EMAIL, cli.DEMO_PASSWORD)
    assert "Project console · demo" in browser.page_source
    _assert_styled(browser)
    assert browser.save_screenshot(str(tmp_path / "project-console.png"))

    # 2. The project's Swagger UI: a preview that offers Authorize, then the project's document with the API key.
    browser.get(f"{project_base}/api/v1/docs/")
    assert browser.title == "Demo project API (demo)"
    _wait(browser, ".auth-wrapper button.authorize", clickable=True).click()
    dialog = _wait(browser, ".modal-ux")
    schemes = [h.text for h in dialog.find_elements(By.CSS_SELECTOR, ".auth-container h4")]
    assert [scheme.split()[0] for scheme in schemes] == ["apiKeyAuth", "jwtAuth"]
    api_key_box = dialog.find_elements(By.CSS_SELECTOR, ".auth-container")[0]
    api_key_box.find_element(By.CSS_SELECTOR, "input").send_keys(demo["key"])
    api_key_box.find_element(By.CSS_SELECTOR, "button.authorize").click()
    _wait(browser, ".modal-ux button.btn-done", clickable=True).click()

    def in_operation(css: str, act: Any = lambda element: element.text) -> Any:
        """`act` on the first element matching `css` in the records-list operation, retried while Swagger UI
        re-renders it (stale elements) or it is not there yet."""

        def attempt(_driver: Any) -> Any:
            found = _operation(browser, "get", RECORDS_PATH).find_elements(By.CSS_SELECTOR, css)
            return (act(found[0]) or True) if found else False

        return WebDriverWait(browser, 20, ignored_exceptions=[StaleElementReferenceException]).until(attempt)

    def click(element: WebElement) -> None:
        element.click()

    in_operation(".opblock-summary", click)
    in_operation("button.try-out__btn", click)
    in_operation("button.execute", click)
    assert in_operation(".live-responses-table .response .response-col_status").strip() == "200"
    body = in_operation(".live-responses-table .response-col_description pre")
    assert '"title": "Hello from the journey"' in body
    assert f'"id": {demo["record_id"]}' in body
    in_operation(
        ".live-responses-table", lambda element: browser.execute_script("arguments[0].scrollIntoView()", element)
    )
    curl = in_operation(".curl-command")
    assert f"X-Api-Key: {demo['key']}" in curl
    assert browser.save_screenshot(str(tmp_path / "swagger-try-it-out.png"))

    # 3. The platform console, as the staff account `up` creates.
    _sign_in(browser, f"http://localhost:{port}/admin/", cli.STAFF_EMAIL, STAFF_PASSWORD)
    assert _wait(browser, '#content-main a[href="/admin/tenants/project/"]')
    _assert_styled(browser)
    browser.get(f"http://localhost:{port}/admin/tenants/project/")
    assert "demo" in _wait(browser, "#result_list").text
    assert browser.save_screenshot(str(tmp_path / "platform-console.png"))
