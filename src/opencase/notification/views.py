"""HTTP handlers for /api/v2/cases/projects/{project_id}/notification_rules and its rules."""

from __future__ import annotations

from opencase.http.routing import Ctx, Reply, Route, uuid_param
from opencase.notification import service
from opencase.notification.schemas import (
    CaseNotificationRuleCreateRequest,
    CaseNotificationRuleResponse,
    CaseNotificationRulesResponse,
    CaseNotificationRuleUpdateRequest,
    recipients_from_wire,
    rule_resource,
    triggers_from_wire,
)


def _project_id(ctx: Ctx) -> str:
    return uuid_param("project_id", ctx.params["project_id"])


def _ids(ctx: Ctx) -> tuple[str, str]:
    """The project's and the rule's UUIDs from the path, in that order of checking."""
    return _project_id(ctx), uuid_param("notification_rule_id", ctx.params["notification_rule_id"])


async def list_rules(ctx: Ctx) -> Reply:
    rules = await service.list_rules(db=ctx.db, who=ctx.principal, project_id=_project_id(ctx))
    return 200, CaseNotificationRulesResponse([rule_resource(r) for r in rules])


async def create_rule(ctx: Ctx) -> Reply:
    project_id = _project_id(ctx)
    attrs = ctx.body.data.attributes
    rule = await service.create_rule(
        db=ctx.db,
        who=ctx.principal,
        project_id=project_id,
        is_enabled=attrs.is_enabled,
        query=attrs.query,
        recipients=recipients_from_wire(attrs.recipients),
        triggers=triggers_from_wire(attrs.triggers),
    )
    return 201, CaseNotificationRuleResponse(rule_resource(rule))


async def update_rule(ctx: Ctx) -> Reply:
    project_id, rule_id = _ids(ctx)
    attrs = ctx.body.data.attributes
    await service.update_rule(
        db=ctx.db,
        who=ctx.principal,
        project_id=project_id,
        rule_id=rule_id,
        is_enabled=attrs.is_enabled,
        query=attrs.query,
        recipients=None if attrs.recipients is None else recipients_from_wire(attrs.recipients),
        triggers=None if attrs.triggers is None else triggers_from_wire(attrs.triggers),
    )
    return 204, None


async def delete_rule(ctx: Ctx) -> Reply:
    project_id, rule_id = _ids(ctx)
    await service.delete_rule(db=ctx.db, who=ctx.principal, project_id=project_id, rule_id=rule_id)
    return 204, None


BASE = "/api/v2/cases/projects/{project_id}/notification_rules"
ONE = BASE + "/{notification_rule_id}"
TAG = "Notification rules"
ROUTES: list[Route] = [
    Route(
        "GET",
        BASE,
        "GetProjectNotificationRules",
        "Get notification rules",
        TAG,
        list_rules,
        200,
        scope="cases_read",
        response=CaseNotificationRulesResponse,
    ),
    Route(
        "POST",
        BASE,
        "CreateProjectNotificationRule",
        "Create a notification rule",
        TAG,
        create_rule,
        201,
        scope="cases_write",
        body=CaseNotificationRuleCreateRequest,
        response=CaseNotificationRuleResponse,
        resource_type="notification_rule",
    ),
    Route(
        "PUT",
        ONE,
        "UpdateProjectNotificationRule",
        "Update a notification rule",
        TAG,
        update_rule,
        204,
        scope="cases_write",
        body=CaseNotificationRuleUpdateRequest,
        resource_type="notification_rule",
    ),
    Route(
        "DELETE",
        ONE,
        "DeleteProjectNotificationRule",
        "Delete a notification rule",
        TAG,
        delete_rule,
        204,
        scope="cases_write",
    ),
]
