"""The web dashboard in a real browser against a real ``esi-leap``.

Headless Chromium (Debian's ``/usr/bin/chromium`` and
``/usr/bin/chromedriver``, installed by ``tools/install-lab-packages.sh``)
driven by Selenium loads ``/dashboard/`` from an embedded ``esi-leap``
(demo users and nodes). Leases are made through the API first; the
browser then signs in as the lessee, finds that lease, claims another
offer, extends and ends leases, and the API confirms each change.

With ``ESI_LEAP_SCREENSHOTS=1`` the test saves the pictures of
``docs/dashboard.md`` to ``docs/images/dashboard-*.png``.

Skips without Chromium, chromedriver or Selenium (fails when CI=true).
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.integration import server as it_server

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("ESI_LEAP_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ESI_LEAP_CHROMEDRIVER",
                              "/usr/bin/chromedriver")
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "images"
WAIT = 20.0
FMT = "%Y-%m-%dT%H:%M:%S"


def _executable(path: str) -> bool:
    return bool(shutil.which(path)) or (
        os.path.isfile(path) and os.access(path, os.X_OK))


def _selenium() -> Any:
    try:
        import selenium  # noqa: F401
        from selenium import webdriver
    except ImportError:
        helpers.skip_or_fail("selenium is not installed (pip install "
                             "selenium)")
    for path, what in ((CHROMIUM, "Chromium"), (CHROMEDRIVER,
                                                "chromedriver")):
        if not _executable(path):
            helpers.skip_or_fail(f"{what} is not installed ({path}; "
                                 "tools/install-lab-packages.sh)")
    return webdriver


@pytest.fixture(scope="module")
def esi(tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[it_server.EsiLeapServer]:
    """An embedded esi-leap with the demo users and nodes."""
    it_server.require_executables(need_cli=False)
    with it_server.running_server(tmp_path_factory.mktemp("dash")) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through chromedriver."""
    webdriver = _selenium()
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1360,900",
                "--lang=en-US", "--no-first-run"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER),
                              options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


# --------------------------------------------------------------------------
# Helpers


def api_ok(esi: it_server.EsiLeapServer, method: str, path: str, user: str,
           body: Any = None, status: int = 200) -> Any:
    """An API call that must answer ``status``; its JSON body."""
    resp = esi.request(method, path, user, body=body)
    assert resp.status == status, (method, path, resp.status, resp.text)
    return resp.json()


def node_uuid(esi: it_server.EsiLeapServer, name: str) -> str:
    nodes = api_ok(esi, "GET", "/v1/nodes", "owner")["nodes"]
    return str(next(n["uuid"] for n in nodes if n["name"] == name))


def offer(esi: it_server.EsiLeapServer, node: str, start: datetime.datetime,
          end: datetime.datetime) -> dict[str, Any]:
    """The owner offers ``node`` from ``start`` to ``end``."""
    return dict(api_ok(esi, "POST", "/v1/offers", "owner", {
        "resource_uuid": node, "start_time": start.strftime(FMT),
        "end_time": end.strftime(FMT)}, status=201))


def wait_lease_status(esi: it_server.EsiLeapServer, uuid: str,
                      wanted: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        lease = api_ok(esi, "GET", f"/v1/leases/{uuid}", "lessee")
        return lease if lease["status"] == wanted else None
    found: dict[str, Any] = it_server.wait_until(
        check, 15, what=f"lease {uuid} {wanted}")
    return found


def wait_for(driver: Any, css: str, text: str | None = None) -> Any:
    """The element matching ``css`` (containing ``text``) once shown."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def find(d: Any) -> Any:
        for element in d.find_elements(By.CSS_SELECTOR, css):
            if element.is_displayed() and (
                    text is None or text in element.text):
                return element
        return False
    try:
        return WebDriverWait(driver, WAIT).until(find)
    except Exception as exc:
        raise AssertionError(
            f"no visible {css!r} with {text!r}; page text:\n"
            f"{driver.find_element(By.TAG_NAME, 'body').text[:3000]}"
        ) from exc


def wait_idle(driver: Any) -> None:
    """Wait until the current view has finished loading."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(
        "const v = document.getElementById('view');"
        "return v && v.getAttribute('aria-busy') === 'false' && "
        "!v.querySelector('.loading');"))


def screenshot(driver: Any, name: str) -> None:
    """Save docs/images/dashboard-NAME.png when ESI_LEAP_SCREENSHOTS=1."""
    if os.environ.get("ESI_LEAP_SCREENSHOTS") != "1":
        return
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOT_DIR / f"dashboard-{name}.png"))


def open_view(driver: Any, esi: it_server.EsiLeapServer, view: str) -> None:
    """Show ``view`` freshly loaded (no messages of earlier actions)."""
    url = f"{esi.url}/dashboard/#{view}"
    if driver.current_url == url:
        driver.refresh()
    else:
        driver.get(url)
    wait_idle(driver)


def sign_in(driver: Any, esi: it_server.EsiLeapServer, user: str,
            password: str | None = None) -> None:
    """Forget any earlier sign-in, fill the login form and submit."""
    from selenium.webdriver.common.by import By
    driver.execute_script("window.sessionStorage.clear();")
    driver.refresh()
    wait_for(driver, "#login-form")
    name = driver.find_element(By.ID, "login-username")
    name.clear()
    name.send_keys(user)
    secret = driver.find_element(By.ID, "login-password")
    secret.clear()
    secret.send_keys(password if password is not None
                     else esi.password(user))
    driver.find_element(By.ID, "login-submit").click()


def sign_out(driver: Any) -> None:
    from selenium.webdriver.common.by import By
    driver.find_element(By.ID, "logout").click()
    wait_for(driver, "#login-form")


def lease_row(driver: Any, uuid: str) -> Any:
    return wait_for(driver, f"tr[data-lease-uuid='{uuid}']")


def attach_port_to_new_network(browser: Any, esi: it_server.EsiLeapServer,
                               node: str) -> None:
    """Create network "blue" and attach ``node``'s port in the browser;
    the API shows the port on it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    open_view(browser, esi, "networks")
    browser.find_element(By.ID, "network-name").send_keys("blue")
    browser.find_element(
        By.CSS_SELECTOR, "form[aria-labelledby=create-net-title] "
        "button[type=submit]").click()
    wait_for(browser, "#messages .alert-success", "Network blue created")
    wait_idle(browser)
    network = next(n for n in api_ok(esi, "GET", "/v1/networks",
                                     "lessee")["networks"]
                   if n["name"] == "blue")
    port = api_ok(esi, "GET", f"/v1/nodes/{node}/ports",
                  "lessee")["ports"][0]
    Select(browser.find_element(By.ID, "attach-port")).select_by_value(
        f"{node}/{port['uuid']}")
    Select(browser.find_element(By.ID, "attach-network")).select_by_value(
        network["uuid"])
    browser.find_element(
        By.CSS_SELECTOR, "form[aria-labelledby=attach-title] "
        "button[type=submit]").click()
    wait_for(browser, "#messages .alert-success", "Attach requested")

    def attached() -> bool:
        ports = api_ok(esi, "GET", f"/v1/nodes/{node}/ports",
                       "lessee")["ports"]
        return any(a["network_uuid"] == network["uuid"]
                   for p in ports for a in p["networks"])
    it_server.wait_until(attached, 15, what="port attached to blue")
    open_view(browser, esi, "networks")
    row = wait_for(browser, f"tr[data-port-uuid='{port['uuid']}']")
    assert "blue (vlan" in row.text
    screenshot(browser, "networks")


# --------------------------------------------------------------------------
# The story


@pytest.fixture(scope="module")
def world(esi: it_server.EsiLeapServer) -> dict[str, Any]:
    """Offers and one active lease, made through the API."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None, microsecond=0)
    far = now + datetime.timedelta(days=60)
    first = offer(esi, node_uuid(esi, "demo-node-1"), now, far)
    second = offer(esi, node_uuid(esi, "demo-node-2"), now, far)
    offer(esi, node_uuid(esi, "demo-node-3"),
          now + datetime.timedelta(days=3), now + datetime.timedelta(days=10))
    lease = api_ok(esi, "POST", f"/v1/offers/{first['uuid']}/claim",
                   "lessee", {}, status=201)
    wait_lease_status(esi, lease["uuid"], "active")
    return {"first_offer": first, "second_offer": second,
            "lease": lease}


def test_static_files_need_no_credentials(
        esi: it_server.EsiLeapServer) -> None:
    page = esi.request("GET", "/dashboard/")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "login-form" in page.text
    assert esi.request("GET", "/v1/leases").status == 401


def test_wrong_password_shows_the_api_fault(
        browser: Any, esi: it_server.EsiLeapServer) -> None:
    browser.get(f"{esi.url}/dashboard/")
    screenshot(browser, "login")
    sign_in(browser, esi, "lessee", "not-the-password")
    error = wait_for(browser, "#login-error", "Invalid user name")
    assert error.get_attribute("role") == "alert"


def test_lessee_story(browser: Any, esi: it_server.EsiLeapServer,
                      world: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By
    lease = world["lease"]
    browser.get(f"{esi.url}/dashboard/")
    sign_in(browser, esi, "lessee")
    wait_for(browser, "#session-user", "Signed in as lessee")

    # Nodes: the leased node with its current lease.
    wait_idle(browser)
    node_row = wait_for(browser,
                        f"tr[data-node-uuid='{lease['resource_uuid']}']")
    assert "demo-node-1" in node_row.text
    assert lease["uuid"][:8] in node_row.find_element(
        By.CSS_SELECTOR, ".col-lease").text
    screenshot(browser, "nodes")

    # Leases: the API-made lease, active.
    open_view(browser, esi, "leases")
    row = lease_row(browser, lease["uuid"])
    assert row.find_element(By.CSS_SELECTOR, ".col-status").text == "active"

    # Offers: the calendar shows both offers and the lease; claim the
    # second offer.
    open_view(browser, esi, "offers")
    second = world["second_offer"]["uuid"]
    calendar = wait_for(browser, ".calendar")
    for uuid in (second, lease["uuid"]):
        assert calendar.find_elements(
            By.CSS_SELECTOR, f".cal-bar[data-uuid='{uuid}']"), uuid
    screenshot(browser, "calendar")
    wait_for(browser, f"tr[data-offer-uuid='{second}'] button").click()
    wait_for(browser, "#claim-form")
    browser.find_element(By.CSS_SELECTOR,
                         "#claim-form button[type=submit]").click()
    message = wait_for(browser, "#messages .alert-success", "Claimed")
    match = re.search(r"lease ([0-9a-f-]{36})", message.text)
    assert match, message.text
    new_uuid = match.group(1)

    # The API has the new lease, for the lessee, from the second offer.
    new = api_ok(esi, "GET", f"/v1/leases/{new_uuid}", "lessee")
    assert new["offer_uuid"] == second
    assert new["project_id"] == esi.project_id("lessee")
    listed = api_ok(esi, "GET", "/v1/leases", "lessee")["leases"]
    assert new_uuid in {item["uuid"] for item in listed}
    wait_lease_status(esi, new_uuid, "active")

    # Leases again: both.
    open_view(browser, esi, "leases")
    lease_row(browser, new_uuid)
    screenshot(browser, "leases")

    # Networks: create one and attach the first node's port to it.
    attach_port_to_new_network(browser, esi, lease["resource_uuid"])

    # End the new lease; the API no longer has it active.
    open_view(browser, esi, "leases")
    lease_row(browser, new_uuid).find_element(
        By.CSS_SELECTOR, "button[data-action=end]").click()
    wait_for(browser, "#end-form").find_element(
        By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, "#messages .alert-success", "is ending")
    ended = api_ok(esi, "GET", f"/v1/leases/{new_uuid}", "lessee")
    assert ended["status"] not in ("active", "created"), ended

    # Findings are for admins.
    open_view(browser, esi, "findings")
    wait_for(browser, "#findings-admins-only", "admins only")
    sign_out(browser)


def test_owner_extends_a_lease(browser: Any, esi: it_server.EsiLeapServer,
                               world: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By
    lease = world["lease"]
    before = api_ok(esi, "GET", f"/v1/leases/{lease['uuid']}", "owner")
    browser.get(f"{esi.url}/dashboard/#leases")
    sign_in(browser, esi, "owner")
    wait_idle(browser)
    lease_row(browser, lease["uuid"]).find_element(
        By.CSS_SELECTOR, "button[data-action=extend]").click()
    form = wait_for(browser, "#extend-form")
    wanted = (datetime.datetime.strptime(before["end_time"][:19], FMT)
              + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert form.find_element(By.ID, "extend-end").get_attribute(
        "value") == wanted
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, "#messages .alert-success", "extended")
    moved = api_ok(esi, "GET", f"/v1/leases/{lease['uuid']}", "owner")
    assert moved["end_time"].startswith(wanted), (moved, wanted)
    sign_out(browser)


def test_claim_error_shows_faultstring(
        browser: Any, esi: it_server.EsiLeapServer,
        world: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By
    # A short offer the lessee will try to claim for longer than it runs.
    now = datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None, microsecond=0)
    short = offer(esi, node_uuid(esi, "demo-node-4"), now,
                  now + datetime.timedelta(hours=2))
    browser.get(f"{esi.url}/dashboard/#offers")
    sign_in(browser, esi, "lessee")
    wait_idle(browser)
    wait_for(browser, f"tr[data-offer-uuid='{short['uuid']}'] button"
             ).click()
    # A window after the offer ends (both times given, so the API's
    # message does not depend on when the request arrives).
    window = {name: (now + datetime.timedelta(days=days)).strftime(
        "%Y-%m-%dT%H:%M") for name, days in (("start", 5), ("end", 6))}
    for name, value in window.items():
        browser.execute_script("arguments[0].value = arguments[1];",
                               wait_for(browser, f"#claim-{name}"), value)
    browser.find_element(By.CSS_SELECTOR,
                         "#claim-form button[type=submit]").click()
    error = wait_for(browser, "#messages .alert-danger")
    # The same claim through the API: the page shows its faultstring.
    refused = esi.request("POST", f"/v1/offers/{short['uuid']}/claim",
                          "lessee", body={
                              "start_time": window["start"] + ":00",
                              "end_time": window["end"] + ":00"})
    assert 400 <= refused.status < 500, refused.text
    fault = refused.json()["faultstring"]
    assert error.text.startswith("Error: " + fault), (error.text, fault)
    assert error.get_attribute("role") == "alert"
    leases = api_ok(esi, "GET", "/v1/leases", "lessee")["leases"]
    assert short["uuid"] not in {item["offer_uuid"] for item in leases}
    sign_out(browser)


def test_admin_sees_findings_by_severity(
        browser: Any, esi: it_server.EsiLeapServer,
        world: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By
    findings = it_server.wait_until(
        lambda: api_ok(esi, "GET", "/v1/findings?status=open",
                       "admin")["findings"], 30, what="audit findings")
    browser.get(f"{esi.url}/dashboard/#findings")
    sign_in(browser, esi, "admin")
    wait_for(browser, "#session-user", "(admin)")
    wait_idle(browser)
    summary = wait_for(browser, ".severity-summary")
    for severity in ("critical", "major", "minor", "info"):
        card = summary.find_element(
            By.CSS_SELECTOR, f"[data-severity='{severity}']")
        expected = sum(1 for f in findings if f["severity"] == severity)
        assert card.find_element(By.CSS_SELECTOR, ".severity-count"
                                 ).text == str(expected)
    shown = browser.find_elements(By.CSS_SELECTOR, "tr[data-finding-uuid]")
    assert {r.get_attribute("data-finding-uuid") for r in shown} == {
        f["uuid"] for f in findings}
    screenshot(browser, "findings")
    sign_out(browser)
