"""The web UI in a real browser (Playwright driving Debian's chromium), on both engines.

Every change made through a page is checked afterwards through the API. The README's
screenshots (docs/screenshots/) are written by `test_screenshots`, so they show the UI as it is.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import Client, Server, require_service
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = os.environ.get("OPENCASE_TEST_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery staple"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@dataclass
class UiUser:
    email: str
    user_id: str


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        require_service("chromium", f"no browser at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def new_user(server: Server, org: str = "acme", email: str | None = None) -> UiUser:
    """A user of `org` with PASSWORD (the organisation must exist)."""
    email = email or f"ui-{uuid.uuid4().hex[:8]}@{org}.test"
    out = server.cli(
        "users", "create", "--org", org, "--email", email, "--json", "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    return UiUser(email, re.search(r'"id": "([^"]+)"', out.stdout).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def user(server: Server, api: Client) -> UiUser:
    return new_user(server)


def sign_in(page: Page, server: Server, user: UiUser, password: str = PASSWORD) -> None:
    page.goto(server.base_url + "/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def page(browser: Browser, server: Server, user: UiUser) -> Iterator[Page]:
    """A browser page signed in as `user`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    sign_in(tab, server, user)
    tab.wait_for_url("**/cases")
    yield tab
    context.close()


def case_of(api: Client, ref: str) -> dict[str, Any]:
    r = api.get(f"/api/v2/cases/{ref}")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def set_status(api: Client, ref: str, status_name: str) -> None:
    r = api.post(
        f"/api/v2/cases/{ref}/status",
        json={"data": {"type": "case", "attributes": {"status_name": status_name}}},
    )
    assert r.status_code == 200, r.text


def new_view(api: Client, project_id: str, name: str, query: str) -> None:
    attributes = {"name": name, "query": query, "project_id": project_id}
    r = api.post("/api/v2/cases/views", json={"data": {"type": "view", "attributes": attributes}})
    assert r.status_code == 201, r.text


def timeline(api: Client, ref: str) -> list[dict[str, Any]]:
    r = api.get(f"/api/v2/cases/{ref}/timelines", params={"sort[ascending]": "true"})
    assert r.status_code == 200, r.text
    cells: list[dict[str, Any]] = r.json()["data"]
    return cells


def saved(page: Page, label: str) -> None:
    """Wait for ui.js to report the autosave of the select labelled `label`."""
    expect(page.locator("#toast")).to_have_text(f"{label} saved")


def session_cookie(page: Page) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies["opencase_session"]


# Sign-in and sign-out ---------------------------------------------------------------------


def test_sign_in_good_and_bad_password(browser: Browser, server: Server, user: UiUser) -> None:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(server.base_url + "/cases")
    expect(tab).to_have_url(re.compile(r"/login\?next=/cases$"))
    sign_in(tab, server, user, password="not the password at all")
    expect(tab.get_by_role("alert")).to_have_text("Wrong email or password.")
    # An email nobody has gets the very same answer.
    tab.get_by_label("Email").fill("nobody-at-all@acme.test")
    tab.get_by_label("Password").fill("not the password at all")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("alert")).to_have_text("Wrong email or password.")
    sign_in(tab, server, user)
    tab.wait_for_url("**/cases")
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible()
    expect(tab.locator(".me")).to_contain_text(user.email)
    cookie = next(c for c in context.cookies() if c["name"] == "opencase_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    context.close()


def test_sign_out_ends_the_session_on_the_server(page: Page, server: Server) -> None:
    cookie = session_cookie(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    # The old cookie, replayed, no longer opens a page: the session is revoked, not just lost.
    r = requests.get(
        server.base_url + "/cases",
        cookies={"opencase_session": cookie},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303 and r.headers["Location"].startswith("/login")


# The case list ----------------------------------------------------------------------------


def test_list_search_sort_and_query_error(page: Page, server: Server, api: Client) -> None:
    project = api.new_project(name="List project")
    urgent = api.new_case(project["id"], title="Disk full on db-1", priority="P1")
    calm = api.new_case(project["id"], title="Rotate certificates", priority="P4")
    key_urgent, key_calm = urgent["attributes"]["key"], calm["attributes"]["key"]
    page.goto(server.base_url + "/cases")
    page.get_by_label("Project").select_option(project["id"])
    page.get_by_label("Search").fill("priority:P1")
    page.get_by_label("Search").press("Enter")
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(key_urgent)
    expect(rows.first).to_contain_text("Disk full on db-1")
    expect(rows.first).to_contain_text("P1")
    expect(page.locator("p.count")).to_have_text("1 case")

    page.get_by_label("Search").fill("")
    page.get_by_label("Search").press("Enter")
    expect(rows).to_have_count(2)
    page.get_by_role("link", name="Priority").click()  # highest first...
    expect(rows.nth(0)).to_contain_text(key_calm)  # ...by stored order: P4 > P1
    page.get_by_role("link", name=re.compile("^Priority")).click()
    expect(rows.nth(0)).to_contain_text(key_urgent)

    page.get_by_label("Search").fill("status:(")
    page.get_by_label("Search").press("Enter")
    error = page.locator("#query-error")
    expect(error).to_contain_text("expected a value, found the end of the query")
    expect(error).to_contain_text("(at position 8)")
    expect(page.get_by_label("Search")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("table.cases")).to_have_count(0)


def test_saved_views(page: Page, server: Server, api: Client) -> None:
    project = api.new_project(name="Views project")
    closed = api.new_case(project["id"], title="Already fixed")
    api.new_case(project["id"], title="Still open")
    set_status(api, closed["id"], "Closed")
    new_view(api, project["id"], "Closed ones", "status:closed")
    page.goto(f"{server.base_url}/cases?project={project['id']}")
    page.get_by_role("link", name="Closed ones").click()
    expect(page.get_by_role("heading", name="Closed ones")).to_be_visible()
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Already fixed")

    # Saving the current search as a view of the project.
    page.get_by_label("Search").fill('"Still open"')
    page.get_by_label("Search").press("Enter")
    page.get_by_label("New view named").fill("The open one")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("heading", name="The open one")).to_be_visible()
    views = api.get("/api/v2/cases/views", params={"project_id": project["id"]}).json()["data"]
    assert {v["attributes"]["name"]: v["attributes"]["query"] for v in views} == {
        "Closed ones": "status:closed",
        "The open one": '"Still open"',
    }


# The board --------------------------------------------------------------------------------


def test_board_moves_cards_by_drag_and_drop_and_by_menu(
    page: Page, server: Server, api: Client, user: UiUser
) -> None:
    project = api.new_project(name="Board project")
    case = api.new_case(project["id"], title="Card to move")
    key = case["attributes"]["key"]
    page.goto(f"{server.base_url}/board?project={project['id']}")
    card = page.locator(f'.card[data-case="{key}"]')
    in_progress = page.locator('.column[data-status="In Progress"]')
    expect(page.locator('.column[data-status="Open"]')).to_contain_text(key)
    card.drag_to(in_progress)
    expect(page.locator("#toast")).to_have_text(f"{key} moved to In Progress")
    expect(in_progress).to_contain_text(key)
    attributes = case_of(api, key)["attributes"]
    assert (attributes["status_name"], attributes["status"]) == ("In Progress", "IN_PROGRESS")

    # Keyboard- and menu-friendly: the card's own "Move to" form.
    page.get_by_label(f"Move {key} to").select_option("Closed")
    page.locator(f'.card[data-case="{key}"]').get_by_role("button", name="Move").click()
    expect(page.locator('.column[data-status="Closed"]')).to_contain_text(key)
    assert case_of(api, key)["attributes"]["status_name"] == "Closed"
    moves = [c for c in timeline(api, key) if c["attributes"]["type"] != "COMMENT"]
    assert moves[-1]["attributes"]["author"]["content"]["id"] == user.user_id


# The case page ----------------------------------------------------------------------------


def test_case_page_selects_save_as_they_change(
    page: Page, server: Server, api: Client, user: UiUser
) -> None:
    project = api.new_project(name="Edits project")
    key = api.new_case(project["id"], title="Edit me")["attributes"]["key"]
    page.goto(f"{server.base_url}/cases/{key}")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)  # no Save for the selects
    page.get_by_label("Status").select_option("In Progress")
    saved(page, "Status")
    page.get_by_label("Priority").select_option("P2")
    saved(page, "Priority")
    page.get_by_label("Assignee").select_option(label=user.email)
    saved(page, "Assignee")
    attributes = case_of(api, key)["attributes"]
    assert attributes["status_name"] == "In Progress"
    assert attributes["priority"] == "P2"
    case = api.get(f"/api/v2/cases/{key}").json()["data"]
    assert case["relationships"]["assignee"]["data"]["id"] == user.user_id

    page.get_by_text("Edit title and description").click()
    page.get_by_label("Title").fill("Edited title")
    page.get_by_role("button", name="Save title").click()
    expect(page.locator("h1")).to_contain_text("Edited title")
    page.get_by_text("Edit title and description").click()
    page.get_by_label("Description (Markdown)").fill("**Bold** and a [link](https://example.com)")
    page.get_by_role("button", name="Save description").click()
    expect(page.locator(".description strong")).to_have_text("Bold")
    attributes = case_of(api, key)["attributes"]
    assert attributes["title"] == "Edited title"
    assert attributes["description"] == "**Bold** and a [link](https://example.com)"

    # Every change is the signed-in user's own, in the timeline.
    events = [c["attributes"] for c in timeline(api, key)][1:]  # after case.created
    assert len(events) == 5
    assert {e["author"]["content"]["id"] for e in events} == {user.user_id}
    page.reload()
    expect(page.locator(".timeline")).to_contain_text(f"{user.email} status updated")


def test_insights_comments_watchers_and_links(
    page: Page, server: Server, api: Client, user: UiUser
) -> None:
    project = api.new_project(name="Evidence project")
    key = api.new_case(project["id"], title="Evidence")["attributes"]["key"]
    other = api.new_case(project["id"], title="Related one")["attributes"]["key"]
    page.goto(f"{server.base_url}/cases/{key}")
    page.get_by_label("Insight type").select_option("MONITOR")
    page.get_by_label("Resource ID").fill("12345")
    page.get_by_label("Ref").fill("/monitors/12345")
    page.get_by_role("button", name="Add insight").click()
    link = page.get_by_role("link", name="/monitors/12345")
    expect(link).to_have_attribute("href", "https://app.datadoghq.com/monitors/12345")
    expect(page.locator("#insights-h")).to_contain_text("1")
    insights = case_of(api, key)["attributes"]["insights"]
    assert insights == [{"type": "MONITOR", "ref": "/monitors/12345", "resource_id": "12345"}]

    page.get_by_label("Comment").fill("Looked at the *monitor*.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(".timeline .message em")).to_have_text("monitor")
    comments = [c for c in timeline(api, key) if c["attributes"]["type"] == "COMMENT"]
    assert [c["attributes"]["cell_content"]["message"] for c in comments] == [
        "Looked at the *monitor*."
    ]
    assert comments[0]["attributes"]["author"]["content"]["id"] == user.user_id

    page.get_by_role("button", name="Watch").click()
    expect(page.get_by_role("button", name="Stop watching")).to_be_visible()
    watchers = api.get(f"/api/v2/cases/{key}/watchers").json()["data"]
    assert [w["id"] for w in watchers] == [user.user_id]

    page.get_by_label("Relationship").select_option("BLOCKS")
    page.get_by_label("Case key").fill(other)
    page.get_by_role("button", name="Link").click()
    expect(page.locator("#links-h + ul")).to_contain_text(f"blocks {other} Related one")
    page.get_by_role("button", name="Remove MONITOR 12345").click()
    expect(page.locator("#insights-h")).to_contain_text("0")
    assert case_of(api, key)["attributes"]["insights"] == []


def test_a_big_case_shows_its_first_hundred_insights(
    page: Page, server: Server, api: Client
) -> None:
    project = api.new_project(name="Big project")
    key = api.new_case(project["id"], title="Many insights")["attributes"]["key"]
    insights = [
        {"type": "EVENT", "ref": f"/event/{i}", "resource_id": f"e{i:03}"} for i in range(150)
    ]
    r = api.put(
        f"/api/v2/cases/{key}/insights",
        json={"data": {"type": "case", "attributes": {"insights": insights[:100]}}},
    )
    assert r.status_code == 200, r.text
    r = api.put(
        f"/api/v2/cases/{key}/insights",
        json={"data": {"type": "case", "attributes": {"insights": insights[100:]}}},
    )
    assert r.status_code == 200, r.text
    page.goto(f"{server.base_url}/cases/{key}")
    expect(page.locator(".insights li")).to_have_count(100)
    expect(page.locator("main")).to_contain_text("Showing 100 of 150.")
    page.get_by_role("link", name="Show all insights").click()
    expect(page.locator(".insights li")).to_have_count(150)
    page.get_by_role("button", name="Remove EVENT e149").click()
    expect(page.locator(".insights li")).to_have_count(100)
    assert len(case_of(api, key)["attributes"]["insights"]) == 149


# Safety -----------------------------------------------------------------------------------


def test_a_form_post_without_the_csrf_token_is_refused(
    page: Page, server: Server, api: Client
) -> None:
    project = api.new_project(name="CSRF project")
    key = api.new_case(project["id"], title="Untouched")["attributes"]["key"]
    cookies = {"opencase_session": session_cookie(page)}
    url = f"{server.base_url}/cases/{key}/title"
    for form in ({"title": "Hijacked"}, {"title": "Hijacked", "csrf_token": "forged"}):
        r = requests.post(url, data=form, cookies=cookies, allow_redirects=False, timeout=10)
        assert r.status_code == 403, r.text
        assert "security token" in r.text
    r = requests.post(
        f"{server.base_url}/cases/{key}/comment",
        data={"message": "spam"},
        cookies=cookies,
        headers={"X-Opencase-Fetch": "1"},
        timeout=10,
    )
    assert r.status_code == 403
    assert case_of(api, key)["attributes"]["title"] == "Untouched"
    assert len(timeline(api, key)) == 1  # only its creation
    # Signing in needs the token too (the login form's own, paired with its cookie).
    r = requests.post(
        server.base_url + "/login",
        data={"email": "x@acme.test", "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 403
    # With the page's token the same post goes through: the refusal above was the token's.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    r = requests.post(
        url, data={"title": "Renamed", "csrf_token": token}, cookies=cookies, timeout=10,
        allow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    assert case_of(api, key)["attributes"]["title"] == "Renamed"


def test_html_in_titles_descriptions_and_comments_is_text(
    page: Page, server: Server, api: Client
) -> None:
    project = api.new_project(name="XSS project")
    title = '<img src=x onerror="window.pwned=1">Title'
    description = "<script>window.pwned=2</script>\n\n[click](javascript:window.pwned=3)"
    case = api.new_case(project["id"], title=title, description=description)
    key = case["attributes"]["key"]
    r = api.post(
        f"/api/v2/cases/{key}/comment",
        json={
            "data": {"type": "case", "attributes": {"comment": "<b>bold?</b><script>x</script>"}}
        },
    )
    assert r.status_code in (200, 201), r.text
    page.goto(f"{server.base_url}/cases?project={project['id']}")
    expect(page.locator("table.cases tbody tr").first).to_contain_text(title)
    page.goto(f"{server.base_url}/cases/{key}")
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator(".description")).to_contain_text("<script>window.pwned=2</script>")
    expect(page.locator(".timeline .message")).to_contain_text("<b>bold?</b><script>x</script>")
    assert page.locator("main img, main script, .timeline .message b").count() == 0
    assert page.locator(".description a[href^='javascript']").count() == 0
    assert page.evaluate("typeof window.pwned") == "undefined"


def test_a_case_of_another_organisation_is_not_found(
    page: Page, server: Server, other_api: Client
) -> None:
    project = other_api.new_project(name="Globex project")
    foreign = other_api.new_case(project["id"], title="Globex secret")
    response = page.goto(f"{server.base_url}/cases/{foreign['id']}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_have_text("Case not found.")
    page.goto(f"{server.base_url}/cases?q=Globex")
    expect(page.locator("main")).not_to_contain_text("Globex secret")


def test_project_settings_switch_an_automation_rule(
    page: Page, server: Server, api: Client
) -> None:
    project = api.new_project(name="Rules project")
    r = api.post(
        f"/api/v2/cases/projects/{project['id']}/rules",
        json={
            "data": {
                "type": "rule",
                "attributes": {
                    "name": "Escalate",
                    "trigger": {"type": "CASE_CREATED"},
                    "action": {"type": "EXECUTE_WORKFLOW", "data": {"handle": "escalate"}},
                },
            }
        },
    )
    assert r.status_code == 201, r.text
    rule = r.json()["data"]
    page.goto(server.base_url + "/projects")
    page.get_by_role("link", name=f"Settings of {project['attributes']['key']}").click()
    expect(page.get_by_role("heading", name="Automation rules")).to_be_visible()
    page.get_by_role("button", name="Disable Escalate").click()
    expect(page.get_by_role("button", name="Enable Escalate")).to_be_visible()
    r = api.get(f"/api/v2/cases/projects/{project['id']}/rules/{rule['id']}")
    assert r.json()["data"]["attributes"]["state"] == "DISABLED"


# Screenshots for the README ---------------------------------------------------------------


def test_screenshots(browser: Browser, server: Server) -> None:
    """docs/screenshots/{cases,board,case}.png, from a small organisation of their own."""
    if server.engine != "sqlite":
        pytest.skip("taken once, on the SQLite run")
    keys = server.create_keys("northwind", "dana@northwind.test")
    api = server.client(keys)
    shown = new_user(server, "northwind", "sam@northwind.test")
    project = api.new_project(key="OPS", name="Operations")
    titles = [
        ("Checkout latency above SLO in eu-west", "P1", "In Progress"),
        ("Disk full on db-7 after log rotation failed", "P2", "Open"),
        ("Suspicious login burst from one ASN", "P1", "Open"),
        ("Certificate for api.northwind.test expires in 9 days", "P3", "Open"),
        ("Error rate spike in payments worker", "P2", "Closed"),
        ("Flaky health check on cache-3", "P4", "In Progress"),
    ]
    for i, (title, priority, status) in enumerate(titles):
        case = api.new_case(project["id"], title=title, priority=priority)
        set_status(api, case["id"], status)
        who = (shown.user_id, keys.user_id, None)[i % 3]
        if who is not None:
            assign = {"data": {"type": "case", "attributes": {"assignee_id": who}}}
            api.post(f"/api/v2/cases/{case['id']}/assign", json=assign).raise_for_status()
    first = api.new_case(
        project["id"],
        title="Checkout p99 over 2 s since the 14:05 deploy",
        priority="P1",
        description=(
            "Checkout **p99 latency** rose from 400 ms to 2.3 s right after deploy `web-1432`.\n\n"
            "- Monitor *Checkout p99* fired at 14:07\n- Error tracking shows timeouts to "
            "`inventory-svc`\n\nNext: roll back, then compare the connection pool settings."
        ),
    )
    insights = [
        {"type": "MONITOR", "ref": "/monitors/12345", "resource_id": "12345"},
        {"type": "ERROR_TRACKING", "ref": "/error-tracking/issue/7f3a", "resource_id": "7f3a"},
        {"type": "INCIDENT", "ref": "/incidents/981", "resource_id": "981"},
    ]
    api.put(
        f"/api/v2/cases/{first['id']}/insights",
        json={"data": {"type": "case", "attributes": {"insights": insights}}},
    ).raise_for_status()
    api.post(
        f"/api/v2/cases/{first['id']}/comment",
        json={"data": {"type": "case", "attributes": {"comment": "Rolling back `web-1432` now."}}},
    ).raise_for_status()
    new_view(api, project["id"], "Open P1", "status:open priority:P1")
    context = browser.new_context(viewport={"width": 1280, "height": 760})
    tab = context.new_page()
    sign_in(tab, server, shown)
    tab.wait_for_url("**/cases")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.goto(f"{server.base_url}/cases?project={project['id']}")
    tab.screenshot(path=str(SCREENSHOTS / "cases.png"))
    tab.goto(f"{server.base_url}/board?project={project['id']}")
    tab.screenshot(path=str(SCREENSHOTS / "board.png"))
    tab.goto(f"{server.base_url}/cases/{first['attributes']['key']}")
    tab.get_by_label("Status").select_option("In Progress")
    saved(tab, "Status")
    tab.get_by_label("Assignee").select_option(label=shown.email)
    saved(tab, "Assignee")
    tab.reload()
    tab.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)
    context.close()
    for name in ("cases", "board", "case"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
