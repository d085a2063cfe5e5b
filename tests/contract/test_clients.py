"""Typed clients generated from the documents, without hand edits, used end to end against a served API: the
platform client registers, signs in, creates an organization, a project and an API key; a project client creates a
table; a client regenerated from the project's document (now with the table) creates, lists, filters, updates and
deletes records."""

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.contract.conftest import Contract

pytestmark = pytest.mark.slow

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# Documented in docs/openapi-and-specs.md: backups download as zip (bytes for the client); no formatter run.
CONFIG = "content_type_overrides:\n  application/zip: application/octet-stream\npost_hooks: []\n"


def _generate(document: dict[str, Any], package: str, root: Path) -> ModuleType:
    (root / f"{package}.json").write_text(json.dumps(document))
    (root / "config.yaml").write_text(CONFIG)
    command = [str(GENERATOR), "generate", "--path", str(root / f"{package}.json"), "--meta", "none"]
    command += ["--output-path", str(root / package), "--config", str(root / "config.yaml"), "--fail-on-warning"]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(package)


def _api(package: str, operation: str) -> Any:
    tag, _, name = operation.partition(".")
    return importlib.import_module(f"{package}.api.{tag}.{name}")


def _models(package: str) -> Any:
    return importlib.import_module(f"{package}.models")


def _document(url: str, host: str, **headers: str) -> dict[str, Any]:
    response = httpx.get(url, headers={"Host": host, **headers}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_generated_clients_work_end_to_end(contract: Contract, served: str, base_host: str, tmp_path: Path) -> None:
    platform = _generate(_document(f"{served}/api/v1/schema/?format=json", base_host), "nocode_platform", tmp_path)
    models = _models("nocode_platform")
    anonymous = platform.Client(base_url=served, headers={"Host": base_host})

    registered = _api("nocode_platform", "auth.auth_register_create").sync(
        client=anonymous, body=models.RegisterInput(email="gen@example.com", password="generated-pass-123", name="G")
    )
    assert isinstance(registered, models.AuthRegistered), registered
    assert registered.user.email == "gen@example.com"
    pair = _api("nocode_platform", "auth.auth_login_create").sync(
        client=anonymous, body=models.AuthLoginInput(email="gen@example.com", password="generated-pass-123")
    )
    assert isinstance(pair, models.AuthTokenPair), pair
    wrong = _api("nocode_platform", "auth.auth_login_create").sync(
        client=anonymous, body=models.AuthLoginInput(email="gen@example.com", password="not-the-password")
    )
    assert isinstance(wrong, models.Error)
    assert wrong.error.code == "AUTHENTICATION_FAILED"

    user = platform.AuthenticatedClient(base_url=served, token=pair.access, headers={"Host": base_host})
    me = _api("nocode_platform", "auth.auth_me_retrieve").sync(client=user)
    assert (me.email, me.organizations) == ("gen@example.com", [])
    org = _api("nocode_platform", "organizations.organizations_create").sync(
        client=user, body=models.OrganizationInput(slug="gen-org", name="Generated")
    )
    assert isinstance(org, models.Organization), org
    project = _api("nocode_platform", "projects.projects_create").sync(
        client=user, body=models.ProjectCreateInput(organization="gen-org", slug="generated", name="Generated")
    )
    assert isinstance(project, models.ProjectCreated), project
    assert (project.slug, project.organization, str(project.status)) == ("generated", "gen-org", "ready")
    listed = _api("nocode_platform", "projects.projects_list").sync(client=user)
    assert [p.slug for p in listed.results] == ["generated"]
    key = _api("nocode_platform", "projects.projects_api_keys_create").sync(
        slug="generated", client=user, body=models.ApiKeyInput(name="generated", scope="admin")
    )
    assert isinstance(key, models.ProjectApiKeyIssued), key
    assert key.key.startswith("nk_")

    host = f"generated.{base_host}"
    empty = _document(f"{served}/api/v1/schema/", host, **{"X-Api-Key": key.key})
    before = _generate(empty, "nocode_project_empty", tmp_path)
    before_models = _models("nocode_project_empty")
    keyed = before.AuthenticatedClient(
        base_url=served, token=key.key, prefix="", auth_header_name="X-Api-Key", headers={"Host": host}
    )
    fields = [
        {"name": "title", "type": "text", "required": True, "constraints": {"max_length": 80}},
        {"name": "size", "type": "single_select", "options": {"choices": ["s", "m", "l"]}},
        {"name": "qty", "type": "integer"},
        {"name": "price", "type": "decimal", "options": {"precision": 10, "scale": 2}},
        {"name": "due", "type": "date"},
    ]
    table = _api("nocode_project_empty", "tables.tables_create").sync(
        client=keyed, body=before_models.TableCreateInput.from_dict({"name": "tasks", "fields": fields})
    )
    assert isinstance(table, before_models.SchemaTable), table
    assert [f.name for f in table.fields] == ["title", "size", "qty", "price", "due"]

    document = _document(f"{served}/api/v1/schema/", host, **{"X-Api-Key": key.key})
    project_client = _generate(document, "nocode_project", tmp_path)
    pm = _models("nocode_project")
    client = project_client.AuthenticatedClient(
        base_url=served, token=key.key, prefix="", auth_header_name="X-Api-Key", headers={"Host": host}
    )
    create = _api("nocode_project", "table_tasks.tasks_create")
    first = create.sync(client=client, body=pm.TasksCreate.from_dict({"title": "write", "size": "m", "qty": 3}))
    assert isinstance(first, pm.Tasks), first
    assert (first.title, str(first.size), first.qty, first.price, first.due) == ("write", "m", 3, None, None)
    second = create.sync(client=client, body=pm.TasksCreate.from_dict({"title": "test", "size": None}))
    assert isinstance(second, pm.Tasks)
    assert second.size is None  # a nullable select: null parses
    bulk = create.sync(
        client=client,
        body=pm.TasksBulkCreate.from_dict({"records": [{"title": "ship", "price": "9.50", "due": "2026-12-24"}]}),
    )
    assert isinstance(bulk, pm.TasksBulkRecords), bulk
    assert [(r.title, r.price, str(r.due)) for r in bulk.records] == [("ship", "9.50", "2026-12-24")]
    invalid = create.sync(client=client, body=pm.TasksCreate.from_dict({"title": "x" * 81}))  # maxLength 80
    assert isinstance(invalid, pm.Error)
    assert invalid.error.code == "VALIDATION_FAILED"

    list_tasks = _api("nocode_project", "table_tasks.tasks_list")
    page = list_tasks.sync(client=client, sort="id")
    assert [r.title for r in page.results] == ["write", "test", "ship"]
    assert (page.page, page.has_next, page.count) == (1, False, None)
    filtered = list_tasks.sync(
        client=client, filter_=json.dumps({"field": "size", "op": "eq", "value": "m"}), count=pm.TasksListCount.EXACT
    )
    assert ([r.id for r in filtered.results], filtered.count) == ([first.id], 1)

    updated = _api("nocode_project", "table_tasks.tasks_update").sync(
        record_id=first.id, client=client, body=pm.TasksUpdate.from_dict({"qty": 4, "size": None})
    )
    assert isinstance(updated, pm.Tasks), updated
    assert (updated.title, updated.qty, updated.size) == ("write", 4, None)
    fetched = _api("nocode_project", "table_tasks.tasks_get").sync(record_id=first.id, client=client)
    assert (fetched.qty, fetched.updated_at >= first.updated_at) == (4, True)

    deleted = _api("nocode_project", "table_tasks.tasks_delete").sync_detailed(record_id=second.id, client=client)
    assert deleted.status_code == 204
    gone = _api("nocode_project", "table_tasks.tasks_get").sync(record_id=second.id, client=client)
    assert isinstance(gone, pm.Error)
    assert gone.error.code == "RECORD_NOT_FOUND"
    assert [r.title for r in list_tasks.sync(client=client, sort="id").results] == ["write", "ship"]
