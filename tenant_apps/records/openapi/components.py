"""The component schemas of one table: the row as read and the create, update and bulk bodies, from the field types."""

import copy
from typing import Any

from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef

from ..filters import AUTOMATIC_DEFS, OPERATORS, field_operators

MAX_BULK = 1000
MAX_ID = 2**63 - 1  # selectors.MAX_RECORD_ID: ids are bigint
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}


def component_names(table: TableDef) -> dict[str, str]:
    """Component names of one table: the row as read, and the bodies. User table names are lower-case slugs
    without dots, so the dotted names never collide with another table's."""
    name = table.name
    return {
        "read": name,
        "create": f"{name}.create",
        "update": f"{name}.update",
        "bulk_create": f"{name}.bulk_create",
        "bulk_update_item": f"{name}.bulk_update_item",
        "bulk_update": f"{name}.bulk_update",
        "bulk_records": f"{name}.bulk_records",
        "bulk_upserted": f"{name}.bulk_upserted",
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """`nullable`, with null among the `enum` values when there are some (validators check enum first)."""
    schema["nullable"] = True
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def field_value_schema(field: FieldDef, defs: SchemaDefs) -> dict[str, Any]:
    """The JSON schema of the field's value as written (and read, unless expanded); readOnly for files."""
    schema = copy.deepcopy(field.field_type.json_schema(field))
    if field.field_type.links_records:
        target = defs.tables_by_id.get(field.options["target_table_id"])
        target_name = target.name if target else "?"
        many = field.options["multiple"]
        schema["description"] = f"{'Ids of records' if many else 'Id of a record'} of table '{target_name}'."
        if many:
            schema["items"]["minimum"] = 1
        else:
            schema["minimum"] = 1
    if not field.required and field.has_column and not field.field_type.stores_files:  # a many-link is a list
        _nullable(schema)
    if field.default is not None:
        schema["default"] = field.default
    return schema


def _read_property(field: FieldDef, defs: SchemaDefs) -> dict[str, Any]:
    schema = field_value_schema(field, defs)
    if field.field_type.links_records:  # `expand` replaces ids by the linked records
        expanded: dict[str, Any] = {"type": "object", "additionalProperties": True}
        ids = {k: v for k, v in schema.items() if k not in ("description", "default")}
        if field.options["multiple"]:
            alternatives = [ids, {"type": "array", "items": expanded}]
        else:
            alternatives = [ids, _nullable(expanded) if ids.get("nullable") else expanded]
        schema = {"description": schema["description"], "anyOf": alternatives}
        if field.default is not None:
            schema["default"] = field.default
    schema["x-filter-operators"] = ordered_operators(field)
    return schema


def _writable(field: FieldDef) -> bool:
    return not field.field_type.json_schema(field).get("readOnly", False)


def ordered_operators(field: FieldDef) -> list[str]:
    supported = field_operators(field)
    return [op for op in OPERATORS if op in supported]


def _automatic_properties() -> dict[str, Any]:
    return {
        "id": {"type": "integer", "format": "int64", "readOnly": True, "x-filter-operators": field_ops("id")},
        "created_at": {
            "type": "string",
            "format": "date-time",
            "readOnly": True,
            "x-filter-operators": field_ops("created_at"),
        },
        "updated_at": {
            "type": "string",
            "format": "date-time",
            "readOnly": True,
            "x-filter-operators": field_ops("updated_at"),
        },
    }


def field_ops(name: str) -> list[str]:
    return ordered_operators(AUTOMATIC_DEFS[name])


def table_component(table: TableDef, defs: SchemaDefs) -> dict[str, Any]:
    """The JSON schema of one record of `table` as read: every field, unless `fields=` narrows the answer, so only
    `id` is required; read-only automatic fields; link values are ids, or the linked records with `expand=`."""
    automatic = _automatic_properties()
    properties: dict[str, Any] = {"id": automatic["id"]}
    for field in table.fields:
        properties[field.name] = _read_property(field, defs)
    properties["created_at"] = automatic["created_at"]
    properties["updated_at"] = automatic["updated_at"]
    component: dict[str, Any] = {
        "type": "object",
        "title": table.display_name or table.name,
        "properties": properties,
        "required": ["id"],
        "additionalProperties": False,
    }
    if table.description:
        component["description"] = table.description
    return component


def closed_object(properties: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def table_components(table: TableDef, defs: SchemaDefs) -> dict[str, dict[str, Any]]:
    """Every component of one table: the row as read, the create / update (partial) / bulk bodies and answers."""
    names = component_names(table)
    writable = {f.name: field_value_schema(f, defs) for f in table.fields if _writable(f)}
    required = [f.name for f in table.fields if _writable(f) and f.required and f.default is None]
    read = schema_ref(names["read"])
    bulk = {"minItems": 1, "maxItems": MAX_BULK}
    return {
        names["read"]: table_component(table, defs),
        names["create"]: closed_object(
            writable, required, "A new record (POST; PUT replaces a record with one: omitted fields get their default)."
        ),
        names["update"]: closed_object(writable, [], "The fields to change (PATCH): any subset."),
        names["bulk_create"]: closed_object(
            {"records": {"type": "array", "items": schema_ref(names["create"]), **bulk}},
            ["records"],
            f"Up to {MAX_BULK} new records, all or nothing.",
        ),
        names["bulk_update_item"]: closed_object(
            {"id": ID_SCHEMA, **copy.deepcopy(writable)}, ["id"], "One record's id and the fields to change."
        ),
        names["bulk_update"]: closed_object(
            {"records": {"type": "array", "items": schema_ref(names["bulk_update_item"]), **bulk}},
            ["records"],
            f"Up to {MAX_BULK} updates, all or nothing.",
        ),
        names["bulk_records"]: closed_object(
            {"records": {"type": "array", "items": read}}, ["records"], "The records written, in the body's order."
        ),
        names["bulk_upserted"]: closed_object(
            {
                "records": {"type": "array", "items": read},
                "created": {"type": "array", "items": {"type": "boolean"}, "description": "Per record: inserted?"},
            },
            ["records", "created"],
            "The records upserted, in the body's order.",
        ),
    }
