"""HTTP handlers for /api/v2/cases/projects/{project_id}/rules and its rules."""

from __future__ import annotations

from opencase.automation import service
from opencase.automation.schemas import (
    AutomationRuleCreateRequest,
    AutomationRuleResponse,
    AutomationRulesResponse,
    AutomationRuleUpdateRequest,
    action_from_wire,
    rule_resource,
    trigger_from_wire,
)
from opencase.http.routing import Ctx, Reply, Route, uuid_param


def _project_id(ctx: Ctx) -> str:
    return uuid_param("project_id", ctx.params["project_id"])


def _ids(ctx: Ctx) -> tuple[str, str]:
    """The project's and the rule's UUIDs from the path, in that order of checking."""
    return _project_id(ctx), uuid_param("rule_id", ctx.params["rule_id"])


async def list_rules(ctx: Ctx) -> Reply:
    rules = await service.list_rules(db=ctx.db, who=ctx.principal, project_id=_project_id(ctx))
    return 200, AutomationRulesResponse([rule_resource(r) for r in rules])


async def create_rule(ctx: Ctx) -> Reply:
    project_id = _project_id(ctx)
    attrs = ctx.body.data.attributes
    rule = await service.create_rule(
        db=ctx.db,
        who=ctx.principal,
        project_id=project_id,
        name=attrs.name,
        trigger=trigger_from_wire(attrs.trigger),
        action=action_from_wire(attrs.action),
        state=attrs.state,
    )
    return 201, AutomationRuleResponse(rule_resource(rule))


async def get_rule(ctx: Ctx) -> Reply:
    project_id, rule_id = _ids(ctx)
    rule = await service.get_rule(
        db=ctx.db, who=ctx.principal, project_id=project_id, rule_id=rule_id
    )
    return 200, AutomationRuleResponse(rule_resource(rule))


async def update_rule(ctx: Ctx) -> Reply:
    project_id, rule_id = _ids(ctx)
    attrs = ctx.body.data.attributes
    rule = await service.update_rule(
        db=ctx.db,
        who=ctx.principal,
        project_id=project_id,
        rule_id=rule_id,
        name=attrs.name,
        trigger=None if attrs.trigger is None else trigger_from_wire(attrs.trigger),
        action=None if attrs.action is None else action_from_wire(attrs.action),
        state=attrs.state,
    )
    return 200, AutomationRuleResponse(rule_resource(rule))


async def delete_rule(ctx: Ctx) -> Reply:
    project_id, rule_id = _ids(ctx)
    await service.delete_rule(db=ctx.db, who=ctx.principal, project_id=project_id, rule_id=rule_id)
    return 204, None


async def enable_rule(ctx: Ctx) -> Reply:
    project_id, rule_id = _ids(ctx)
    rule = await service.set_state(
        db=ctx.db, who=ctx.principal, project_id=project_id, rule_id=rule_id, state="ENABLED"
    )
    return 200, AutomationRuleResponse(rule_resource(rule))


async def disable_rule(ctx: Ctx) -> Reply:
    project_id, rule_id = _ids(ctx)
    rule = await service.set_state(
        db=ctx.db, who=ctx.principal, project_id=project_id, rule_id=rule_id, state="DISABLED"
    )
    return 200, AutomationRuleResponse(rule_resource(rule))


BASE = "/api/v2/cases/projects/{project_id}/rules"
RULE = BASE + "/{rule_id}"
TAG = "Automation rules"
ROUTES: list[Route] = [
    Route(
        "GET",
        BASE,
        "ListCaseAutomationRules",
        "List automation rules",
        TAG,
        list_rules,
        200,
        scope="cases_read",
        response=AutomationRulesResponse,
    ),
    Route(
        "POST",
        BASE,
        "CreateCaseAutomationRule",
        "Create an automation rule",
        TAG,
        create_rule,
        201,
        scope="cases_write",
        body=AutomationRuleCreateRequest,
        response=AutomationRuleResponse,
        resource_type="rule",
    ),
    Route(
        "GET",
        RULE,
        "GetCaseAutomationRule",
        "Get an automation rule",
        TAG,
        get_rule,
        200,
        scope="cases_read",
        response=AutomationRuleResponse,
    ),
    Route(
        "PUT",
        RULE,
        "UpdateCaseAutomationRule",
        "Update an automation rule",
        TAG,
        update_rule,
        200,
        scope="cases_write",
        body=AutomationRuleUpdateRequest,
        response=AutomationRuleResponse,
        resource_type="rule",
    ),
    Route(
        "DELETE",
        RULE,
        "DeleteCaseAutomationRule",
        "Delete an automation rule",
        TAG,
        delete_rule,
        204,
        scope="cases_write",
    ),
    Route(
        "POST",
        RULE + "/enable",
        "EnableCaseAutomationRule",
        "Enable an automation rule",
        TAG,
        enable_rule,
        200,
        scope="cases_write",
        response=AutomationRuleResponse,
    ),
    Route(
        "POST",
        RULE + "/disable",
        "DisableCaseAutomationRule",
        "Disable an automation rule",
        TAG,
        disable_rule,
        200,
        scope="cases_write",
        response=AutomationRuleResponse,
    ),
]
