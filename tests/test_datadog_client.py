"""Datadog's official Python client (datadog-api-client) talks to opencase unchanged."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import STANDARD_TYPE, Keys, Server, random_key
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, NotFoundException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.model.case_aggregate_group_by import CaseAggregateGroupBy
from datadog_api_client.v2.model.case_aggregate_request import CaseAggregateRequest
from datadog_api_client.v2.model.case_aggregate_request_attributes import (
    CaseAggregateRequestAttributes,
)
from datadog_api_client.v2.model.case_aggregate_request_data import CaseAggregateRequestData
from datadog_api_client.v2.model.case_aggregate_resource_type import CaseAggregateResourceType
from datadog_api_client.v2.model.case_bulk_action_type import CaseBulkActionType
from datadog_api_client.v2.model.case_bulk_resource_type import CaseBulkResourceType
from datadog_api_client.v2.model.case_bulk_update_request import CaseBulkUpdateRequest
from datadog_api_client.v2.model.case_bulk_update_request_attributes import (
    CaseBulkUpdateRequestAttributes,
)
from datadog_api_client.v2.model.case_bulk_update_request_data import (
    CaseBulkUpdateRequestData,
)
from datadog_api_client.v2.model.case_create import CaseCreate
from datadog_api_client.v2.model.case_create_attributes import CaseCreateAttributes
from datadog_api_client.v2.model.case_create_relationships import (
    CaseCreateRelationships,
)
from datadog_api_client.v2.model.case_create_request import CaseCreateRequest
from datadog_api_client.v2.model.case_priority import CasePriority
from datadog_api_client.v2.model.case_resource_type import CaseResourceType
from datadog_api_client.v2.model.case_sortable_field import CaseSortableField
from datadog_api_client.v2.model.case_status import CaseStatus
from datadog_api_client.v2.model.case_status_group import CaseStatusGroup
from datadog_api_client.v2.model.case_view_create import CaseViewCreate
from datadog_api_client.v2.model.case_view_create_attributes import (
    CaseViewCreateAttributes,
)
from datadog_api_client.v2.model.case_view_create_request import CaseViewCreateRequest
from datadog_api_client.v2.model.case_view_resource_type import CaseViewResourceType
from datadog_api_client.v2.model.case_view_update import CaseViewUpdate
from datadog_api_client.v2.model.case_view_update_attributes import (
    CaseViewUpdateAttributes,
)
from datadog_api_client.v2.model.case_view_update_request import CaseViewUpdateRequest
from datadog_api_client.v2.model.nullable_user_relationship import (
    NullableUserRelationship,
)
from datadog_api_client.v2.model.nullable_user_relationship_data import (
    NullableUserRelationshipData,
)
from datadog_api_client.v2.model.project_create import ProjectCreate
from datadog_api_client.v2.model.project_create_attributes import (
    ProjectCreateAttributes,
)
from datadog_api_client.v2.model.project_create_request import ProjectCreateRequest
from datadog_api_client.v2.model.project_relationship import ProjectRelationship
from datadog_api_client.v2.model.project_relationship_data import (
    ProjectRelationshipData,
)
from datadog_api_client.v2.model.project_resource_type import ProjectResourceType
from datadog_api_client.v2.model.user_resource_type import UserResourceType


@pytest.fixture
def cm(server: Server, keys: Keys) -> Iterator[CaseManagementApi]:
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    # No case-management operation is unstable in datadog-api-client 2.62; should a version mark
    # some unstable again, enable them (the server implements them all the same).
    for op in list(configuration.unstable_operations.values):
        if "case" in op:
            configuration.unstable_operations[op] = True
    with ApiClient(configuration) as client:
        yield CaseManagementApi(client)


def new_project(cm: CaseManagementApi) -> Any:
    key = random_key("DD")
    body = ProjectCreateRequest(
        data=ProjectCreate(
            type=ProjectResourceType.PROJECT,
            attributes=ProjectCreateAttributes(key=key, name="Client project"),
        )
    )
    project = cm.create_project(body=body).data
    assert project.attributes.key == key
    return project


def case_request(project_id: str, title: str, **attributes: Any) -> CaseCreateRequest:
    assignee = attributes.pop("assignee", None)
    relationships = CaseCreateRelationships(
        project=ProjectRelationship(
            data=ProjectRelationshipData(id=project_id, type=ProjectResourceType.PROJECT)
        )
    )
    if assignee is not None:
        relationships.assignee = NullableUserRelationship(
            data=NullableUserRelationshipData(id=assignee, type=UserResourceType.USER)
        )
    return CaseCreateRequest(
        data=CaseCreate(
            type=CaseResourceType.CASE,
            attributes=CaseCreateAttributes(title=title, type_id=STANDARD_TYPE, **attributes),
            relationships=relationships,
        )
    )


def unparsed(model: Any) -> bool:
    """True when the client could not map part of a response onto its models."""
    return bool(getattr(model, "_unparsed", False))


def test_create_project_and_case(cm: CaseManagementApi, keys: Keys) -> None:
    project = new_project(cm)
    before = datetime.now(UTC) - timedelta(minutes=1)
    response = cm.create_case(
        body=case_request(
            project.id, "From the client", description="Made by datadog-api-client",
            priority=CasePriority.P3,
        )
    )  # fmt: skip
    case = response.data
    assert not unparsed(case)
    assert not unparsed(case.attributes)
    assert str(case.type) == "case"
    a = case.attributes
    assert a.title == "From the client"
    assert a.description == "Made by datadog-api-client"
    assert a.priority == CasePriority.P3
    assert a.status == CaseStatus.OPEN
    assert a.status_group == CaseStatusGroup.SG_OPEN
    assert a.status_name == "Open"
    assert str(a.type) == "STANDARD"
    assert a.type_id == STANDARD_TYPE
    assert a.key == f"{project.attributes.key}-1"
    assert isinstance(a.created_at, datetime)
    assert a.created_at.tzinfo is not None
    assert before <= a.created_at <= datetime.now(UTC) + timedelta(minutes=1)
    rels = case.relationships
    assert rels.project.data.id == project.id
    assert rels.created_by.data.id == keys.user_id
    # Undocumented fields the real server sends reach the caller too.
    raw = case.to_dict()
    assert raw["attributes"]["internal_id"] == case.id
    assert raw["attributes"]["public_id"].isdigit()
    assert raw["attributes"]["merge_status"] == "NOT_MERGED"


def test_get_case_by_id_and_key(cm: CaseManagementApi) -> None:
    project = new_project(cm)
    created = cm.create_case(body=case_request(project.id, "Look me up")).data
    for ref in (created.id, created.attributes.key, created.attributes.key.lower()):
        got = cm.get_case(case_id=ref).data
        assert got.id == created.id
        assert got.attributes.title == "Look me up"
        assert got.attributes.key == created.attributes.key
        assert got.attributes.created_at == created.attributes.created_at


def test_closed_case_dates(cm: CaseManagementApi) -> None:
    project = new_project(cm)
    created = cm.create_case(body=case_request(project.id, "Closed", status_name="Closed")).data
    a = cm.get_case(case_id=created.id).data.attributes
    assert a.status == CaseStatus.CLOSED
    assert a.status_group == CaseStatusGroup.SG_CLOSED
    assert isinstance(a.closed_at, datetime)
    assert a.closed_at >= a.created_at


def test_assignee_through_client(cm: CaseManagementApi, server: Server) -> None:
    dana = server.create_keys("acme", "dana@acme.test")
    project = new_project(cm)
    created = cm.create_case(body=case_request(project.id, "Assigned", assignee=dana.user_id))
    assert created.data.relationships.assignee.data.id == dana.user_id


def test_search_through_client(cm: CaseManagementApi) -> None:
    project = new_project(cm)
    for title in ("first", "second", "third"):
        cm.create_case(body=case_request(project.id, title))
    page = cm.search_cases(page_size=2, page_number=1, filter=f"project:{project.attributes.key}")
    assert [c.attributes.title for c in page.data] == ["third", "second"]
    assert page.meta.page.current == 1
    assert page.meta.page.size == 2
    assert page.meta.page.total == 2
    every = cm.search_cases_with_pagination(page_size=2, filter=f"project:{project.attributes.key}")
    assert [c.attributes.title for c in every] == ["third", "second", "first"]


def test_errors_through_client(cm: CaseManagementApi) -> None:
    with pytest.raises(NotFoundException) as missing:
        cm.get_case(case_id=str(uuid.uuid4()))
    assert missing.value.status == 404
    project = new_project(cm)
    with pytest.raises(ApiException) as bad:
        cm.get_case(case_id="not a case")
    assert bad.value.status == 400
    with pytest.raises(NotFoundException):
        cm.create_case(body=case_request(str(uuid.uuid4()), "Nowhere"))
    # Nothing was created by the failed calls.
    assert cm.create_case(body=case_request(project.id, "x")).data.attributes.key.endswith("-1")


LEGACY_TYPES = {
    1: "STANDARD",
    2: "STANDARD",
    3: "SECURITY",
    4: "STANDARD",
    5: "ERROR_TRACKING_ISSUE",
}


@pytest.mark.parametrize("n", sorted(LEGACY_TYPES))
def test_every_builtin_type_reads(cm: CaseManagementApi, n: int) -> None:
    """Cases of every built-in type come back through the client. Like Datadog's server, opencase
    sends the deprecated `type` as SECURITY or ERROR_TRACKING_ISSUE for those types; the client's
    CaseType enum knows only STANDARD, so it marks that one value unparsed (it does not raise)."""
    type_id = f"00000000-0000-0000-0000-00000000000{n}"
    project = new_project(cm)
    body = case_request(project.id, "Typed", priority=CasePriority.P1)
    body.data.attributes.type_id = type_id
    case = cm.create_case(body=body).data
    got = cm.get_case(case_id=case.id).data
    a = got.attributes
    assert (a.type_id, a.title, a.priority, a.status) == (
        type_id, "Typed", CasePriority.P1, CaseStatus.OPEN,
    )  # fmt: skip
    assert a.key == f"{project.attributes.key}-1"
    if LEGACY_TYPES[n] == "STANDARD":
        assert not unparsed(a)
        assert str(a.type) == "STANDARD"
    else:
        assert unparsed(a.type)
        assert a.to_dict()["type"] == LEGACY_TYPES[n]
        # Only `type` is unknown to the client; everything else parsed into its models.
        assert [k for k, v in a._data_store.items() if unparsed(v)] == ["type"]


def test_case_views_through_client(cm: CaseManagementApi, keys: Keys) -> None:
    project = new_project(cm)
    created = cm.create_case_view(
        body=CaseViewCreateRequest(
            data=CaseViewCreate(
                type=CaseViewResourceType.VIEW,
                attributes=CaseViewCreateAttributes(
                    name="Open P1s", query="status:open priority:P1", project_id=project.id
                ),
            )
        )
    ).data
    assert not unparsed(created)
    assert not unparsed(created.attributes)
    assert str(created.type) == "view"
    assert created.attributes.name == "Open P1s"
    assert created.attributes.query == "status:open priority:P1"
    assert isinstance(created.attributes.created_at, datetime)
    assert created.relationships.project.data.id == project.id
    assert created.relationships.created_by.data.id == keys.user_id

    listed = cm.list_case_views(project_id=project.id).data
    assert [v.id for v in listed] == [created.id]
    got = cm.get_case_view(view_id=created.id).data
    assert got.attributes.created_at == created.attributes.created_at

    updated = cm.update_case_view(
        view_id=created.id,
        body=CaseViewUpdateRequest(
            data=CaseViewUpdate(
                type=CaseViewResourceType.VIEW,
                attributes=CaseViewUpdateAttributes(name="Urgent", np_rule_id="rule-7"),
            )
        ),
    ).data
    assert not unparsed(updated.attributes)
    assert (updated.attributes.name, updated.attributes.query) == (
        "Urgent", "status:open priority:P1",
    )  # fmt: skip
    assert updated.attributes.np_rule_id == "rule-7"
    assert isinstance(updated.attributes.modified_at, datetime)
    assert updated.attributes.modified_at >= updated.attributes.created_at
    assert updated.relationships.modified_by.data.id == keys.user_id

    cm.delete_case_view(view_id=created.id)
    with pytest.raises(NotFoundException):
        cm.get_case_view(view_id=created.id)
    assert cm.list_case_views(project_id=project.id).data == []


def bulk_request(case_ids: list[str], action: CaseBulkActionType, **payload: str) -> Any:
    attributes = CaseBulkUpdateRequestAttributes(case_ids=case_ids, type=action)
    if payload:
        attributes.payload = payload
    return CaseBulkUpdateRequest(
        data=CaseBulkUpdateRequestData(type=CaseBulkResourceType.BULK, attributes=attributes)
    )


def test_bulk_update_through_client(cm: CaseManagementApi, keys: Keys) -> None:
    project = new_project(cm)
    cases = [cm.create_case(body=case_request(project.id, f"bulk {i}")).data for i in range(3)]
    refs = [cases[0].id, cases[1].attributes.key, cases[2].attributes.key.lower()]
    # 200 with no body: the client's bulk_update_cases returns None.
    assert (
        cm.bulk_update_cases(body=bulk_request(refs, CaseBulkActionType.PRIORITY, priority="P1"))
        is None
    )
    assert (
        cm.bulk_update_cases(
            body=bulk_request(refs, CaseBulkActionType.ASSIGN, assignee_id=keys.user_id)
        )
        is None
    )
    assert cm.bulk_update_cases(body=bulk_request(refs[:2], CaseBulkActionType.ARCHIVE)) is None
    for i, case in enumerate(cases):
        got = cm.get_case(case_id=case.id).data
        assert got.attributes.priority == CasePriority.P1
        assert got.relationships.assignee.data.id == keys.user_id
        assert ("archived_at" in got.attributes.to_dict()) is (i < 2)
    # All or nothing: one unknown case and nothing is applied.
    with pytest.raises(NotFoundException) as missing:
        cm.bulk_update_cases(
            body=bulk_request(
                [cases[2].id, str(uuid.uuid4())], CaseBulkActionType.PRIORITY, priority="P5"
            )
        )
    assert missing.value.status == 404
    with pytest.raises(ApiException) as unsupported:
        cm.bulk_update_cases(body=bulk_request([cases[2].id], CaseBulkActionType.JIRA))
    assert unsupported.value.status == 400
    assert cm.get_case(case_id=cases[2].id).data.attributes.priority == CasePriority.P1


def filtered_cases(cm: CaseManagementApi) -> tuple[Any, list[Any]]:
    """A project with four cases: P2 open, P1 open, P3 closed, P1 open (in creation order)."""
    project = new_project(cm)
    made = []
    for title, priority, status in [
        ("disk full", CasePriority.P2, "Open"),
        ("disk slow", CasePriority.P1, "Open"),
        ("disk gone", CasePriority.P3, "Closed"),
        ("dns down", CasePriority.P1, "Open"),
    ]:
        body = case_request(project.id, title, priority=priority, status_name=status)
        made.append(cm.create_case(body=body).data)
    return project, made


def test_search_with_filter_and_sort_through_client(cm: CaseManagementApi) -> None:
    project, made = filtered_cases(cm)
    key = project.attributes.key
    page = cm.search_cases(
        filter=f"project:{key} status:open dis*",
        sort_field=CaseSortableField.PRIORITY,
        sort_asc=True,
        page_size=1,
        page_number=1,
    )
    assert not unparsed(page)
    assert [c.attributes.title for c in page.data] == ["disk slow"]
    assert page.data[0].id == made[1].id
    assert page.data[0].attributes.priority == CasePriority.P1
    assert (page.meta.page.current, page.meta.page.size, page.meta.page.total) == (1, 1, 2)
    # What the client has no field for still reaches the caller: `total_cases` (which the real
    # service sends too) and `next_cursor` (opencase's keyset pagination).
    meta = page.meta.to_dict()
    assert meta["total_cases"] == 2
    assert meta["page"]["next_cursor"]
    everything = cm.search_cases_with_pagination(
        filter=f"project:{key} (priority:P1 OR status:closed)",
        sort_field=CaseSortableField.STATUS,
        sort_asc=False,
        page_size=1,
    )
    assert [c.attributes.title for c in everything] == ["disk gone", "dns down", "disk slow"]
    newest = cm.search_cases(filter=f"project:{key}", sort_field=CaseSortableField.CREATED_AT)
    assert [c.id for c in newest.data] == [c.id for c in reversed(made)]
    # A bad query is the client's 400.
    with pytest.raises(ApiException) as bad:
        cm.search_cases(filter="status:(open")
    assert bad.value.status == 400
    error = bad.value.body["errors"][0]  # the client decodes JSON error bodies
    assert error["source"] == {"parameter": "filter"}
    assert error["detail"].startswith("invalid query at position 12: expected OR or ')'")


def test_count_with_group_bys_through_client(cm: CaseManagementApi) -> None:
    project, _ = filtered_cases(cm)
    key = project.attributes.key
    response = cm.count_cases(query_filter=f"project:{key}", group_bys="status,priority", limit=2)
    assert not unparsed(response)
    data = response.data
    assert not unparsed(data.attributes)
    assert str(data.type) == "count"
    assert str(uuid.UUID(data.id)) == data.id
    groups = [
        (g.group, [(v.value, v.count) for v in g.group_values]) for g in data.attributes.groups
    ]
    assert groups[0] == ("status", [("OPEN", 3), ("CLOSED", 1)])
    assert groups[1][0] == "priority"
    assert groups[1][1][0] == ("P1", 2)
    assert len(groups[1][1]) == 2  # limit: the biggest values only
    assert isinstance(data.attributes.groups[0].group_values[0].count, int)
    # `total` is beyond the client's schema; it keeps it as an extra attribute.
    assert data.attributes.to_dict()["total"] == 4
    assert cm.count_cases(query_filter=f"project:{key} disk").data.attributes.to_dict() == {
        "groups": [],
        "total": 3,
    }


def test_aggregate_through_client(cm: CaseManagementApi) -> None:
    project, _ = filtered_cases(cm)
    body = CaseAggregateRequest(
        data=CaseAggregateRequestData(
            type=CaseAggregateResourceType.AGGREGATE,
            attributes=CaseAggregateRequestAttributes(
                query_filter=f"project:{project.attributes.key}",
                group_by=CaseAggregateGroupBy(groups=["status", "priority"], limit=10),
            ),
        )
    )
    response = cm.aggregate_cases(body=body)
    assert not unparsed(response)
    attrs = response.data.attributes
    assert not unparsed(attrs)
    assert str(response.data.type) == "aggregate"
    assert attrs.total == 4.0
    got = {g.group: g.value for g in attrs.groups}
    assert got == {"OPEN,P1": [2.0], "OPEN,P2": [1.0], "CLOSED,P3": [1.0]}
    assert attrs.groups[0].group == "OPEN,P1"
    body.data.attributes.group_by = CaseAggregateGroupBy(groups=["nosuchfield"], limit=10)
    with pytest.raises(ApiException) as bad:
        cm.aggregate_cases(body=body)
    assert bad.value.status == 400
    error = bad.value.body["errors"][0]  # the client decodes JSON error bodies
    assert error["source"] == {"pointer": "/data/attributes/group_by/groups/0"}
