"""GET /api/v1/schema/typescript/: a `.d.ts` with Row, Insert, Update and Filters per table; the TypeScript compiler
(tests/typescript/, `npm ci`) checks a generated file against a usage file, including what the types must refuse."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api
from tests.contract.conftest import EVERY_TYPE_FIELDS
from tests.data_schemas.helpers import create_table

TYPESCRIPT = Path(__file__).resolve().parents[1] / "typescript"


@pytest.fixture
def tables(api: Api) -> None:
    create_table(api, "people", [{"name": "name", "type": "text"}])
    create_table(api, "everything", EVERY_TYPE_FIELDS, description="One field of every type")


def _types(api: Api) -> str:
    response = api.get("/api/v1/schema/typescript/")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="shop.d.ts"'
    return response.content.decode()


def test_types_per_table(api: Api, tables: None) -> None:
    source = _types(api)
    people = source[source.index("    people: {") : source.index("    /** everything")]
    assert people == (
        "    people: {\n"
        "      Row: {\n        id: number;\n        name: string | null;\n        created_at: string;\n"
        "        updated_at: string;\n      };\n"
        "      Insert: {\n        name?: string | null;\n      };\n"
        "      Update: {\n        name?: string | null;\n      };\n"
        "      Filters: {\n"
        '        id: "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "in" | "not_in" | "between" | "is_null";\n'
        '        created_at: "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "in" | "not_in" | "between" | "is_null";\n'
        '        updated_at: "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "in" | "not_in" | "between" | "is_null";\n'
        '        name: "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "in" | "not_in" | "between" | "contains" | '
        '"icontains" | "starts_with" | "ends_with" | "is_null";\n'
        "      };\n    };\n"
    )
    everything = source[source.index("    everything: {") :]
    for line in (
        "        title: string;\n",  # Row: required, never null
        '        size: "s" | "m" | "l" | null;\n',
        '        labels: ("red" | "blue")[] | null;\n',
        "        meta: Json;\n",
        "        photo: FileValue | null;\n",
        "        fans: number[];\n",
        "        price?: string | null;\n",  # Insert: it has a default
        '        labels: "has_any" | "has_all" | "is_null";\n',
    ):
        assert line in everything, line
    insert = everything[everything.index("Insert: {") : everything.index("Update: {")]
    assert "        title: string;\n" in insert
    assert "photo" not in insert
    assert "/** everything: One field of every type */" in source


def test_types_follow_the_definitions_and_need_credentials(
    api: Api, tables: None, project_api: Any, project: Any
) -> None:
    assert api.post("/api/v1/tables/people/fields/", {"name": "age", "type": "integer"}).status_code == 201
    assert "        age?: number | null;\n" in _types(api)
    anonymous = project_api(project)
    refused = anonymous.get("/api/v1/schema/typescript/")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_generated_types_compile_against_usage(api: Api, tables: None) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed on this machine (CI machines have node 20 and npm)")
    installed = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TYPESCRIPT, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    (TYPESCRIPT / "generated.d.ts").write_text(_types(api))
    tsc = TYPESCRIPT / "node_modules" / ".bin" / "tsc"
    command = [str(tsc), "--noEmit", "--strict", "--target", "es2020", "--module", "es2020", "usage.ts"]
    compiled = subprocess.run(command, cwd=TYPESCRIPT, capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
