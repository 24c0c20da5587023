"""Projects and their settings: case types, custom attributes, automation and notification
rules (/projects, /projects/{id}). Rules are switched on and off here; they are written
through the API (their triggers and recipients are JSON), as the page says."""

from __future__ import annotations

from opencase.automation.service import list_rules as automation_rules
from opencase.automation.service import set_state
from opencase.case_type.service import list_case_types
from opencase.custom_attribute.service import list_all_configs
from opencase.notification.service import list_rules as notification_rules
from opencase.project.service import get_project, list_projects
from opencase.ui.common import uuid_or_404
from opencase.ui.web import Done, Page, PageRoute, Reply
from opencase.view.service import list_views


async def projects(page: Page) -> Reply:
    """GET /projects."""
    return page.render(
        "projects.html", nav="projects", projects=await list_projects(db=page.db, who=page.who)
    )


async def project_settings(page: Page) -> Reply:
    """GET /projects/{project_id}."""
    who, db = page.who, page.db
    project = await get_project(
        db=db, who=who, project_id=uuid_or_404(page.params["project_id"], "project")
    )
    types = await list_case_types(db=db, who=who)
    enabled = set(project.enabled_custom_case_types)
    types = [t for t in types if t.internal or t.id in enabled]
    configs = await list_all_configs(db=db, who=who)
    names = {t.id: t.name for t in types}
    return page.render(
        "settings.html",
        nav="projects",
        project=project,
        types=types,
        configs=[c for c in configs if c.case_type_id in names],
        type_names=names,
        automation=await automation_rules(db=db, who=who, project_id=project.id),
        notifications=await notification_rules(db=db, who=who, project_id=project.id),
        views=await list_views(db=db, who=who, project_id=project.id),
    )


async def switch_rule(page: Page) -> Reply:
    """POST /projects/{project_id}/automation/{rule_id}: enable or disable the rule."""
    project_id = uuid_or_404(page.params["project_id"], "project")
    await set_state(
        db=page.db,
        who=page.who,
        project_id=project_id,
        rule_id=uuid_or_404(page.params["rule_id"], "automation rule"),
        state=page.field("state"),
    )
    return Done(f"/projects/{project_id}")


ROUTES = [
    PageRoute("GET", "/projects", projects),
    PageRoute("GET", "/projects/{project_id}", project_settings),
    PageRoute("POST", "/projects/{project_id}/automation/{rule_id}", switch_rule),
]
