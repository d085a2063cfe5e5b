"""Error codes are named constants of each app's `codes.py`, declared once, and documented in docs/errors.md."""

import ast
from pathlib import Path
from typing import Any

import pytest

from shared_apps.foundation.codes import catalogue_markdown, error_code_classes

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["tenants", "shared_apps", "tenant_apps", "platform"]


def _code_literals(path: Path, codes: set[str]) -> list[str]:
    """String constants that spell a declared error code (they must name the enum member instead); a logging
    level ("ERROR" in a logging config's `"level"`) is not a code."""
    tree = ast.parse(path.read_text())
    levels = {
        id(value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key, value in zip(node.keys, node.values, strict=True)
        if isinstance(key, ast.Constant) and key.value == "level"
    }
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in codes
        and id(node) not in levels
    ]


def test_no_error_code_is_spelled_as_a_string_outside_its_enum() -> None:
    codes = {member.value for cls in error_code_classes() for member in cls}
    offenders = [
        hit
        for folder in SOURCES
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts and path.name != "codes.py"
        for hit in _code_literals(path, codes)
    ]
    assert offenders == []


def test_every_code_is_declared_once_with_what_it_means() -> None:
    members = [member for cls in error_code_classes() for member in cls]
    values = [member.value for member in members]
    assert len(values) == len(set(values))
    assert [m.value for m in members if not m.description] == []


def test_the_catalogue_in_docs_is_current() -> None:
    assert (ROOT / "docs" / "errors.md").read_text() == catalogue_markdown(), (
        "regenerate it: python3 manage.py error_catalogue > docs/errors.md"
    )


@pytest.mark.django_db
def test_both_openapi_documents_list_the_catalogue(
    platform_api: Any, owner: Any, make_project: Any, project_api: Any
) -> None:
    project = make_project(owner, slug="shop")
    expected = {
        member.value: {"status": member.status, "description": member.description}
        for cls in error_code_classes()
        for member in cls
    }
    platform = platform_api().get("/api/v1/schema/?format=json").json()
    project_document = project_api(project, user=owner).get("/api/v1/schema/").json()
    for document in (platform, project_document):
        assert document["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["x-error-codes"] == expected
