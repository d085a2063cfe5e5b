"""Application specs: a project's tables and fields as JSON, and the plan/apply that makes a project match one.

Format (version 1; docs/openapi-and-specs.md):

    {"version": 1, "tables": [{"name", "display_name"?, "description"?,
                               "fields": [{"name", "type", "options"?, "required"?, "unique"?, "default"?,
                                           "constraints"?}, ...]}, ...]}

A spec is the whole desired state: tables and fields it does not name are dropped — only when the caller allows
drops. `spec_plan` compares a spec with the current definitions (both normalised through the field-type registry,
so a hand-written `{"type": "decimal"}` equals the stored `{"precision": 12, "scale": 2}`) and lists the steps;
`spec_apply` runs them through the schema services in ONE transaction (all or nothing). Applying a spec the
project already matches plans nothing. Renames are not detected: a renamed table or field is a drop plus a create.
"""

from .apply import drops_refuse, spec_apply
from .export import spec_export
from .format import SPEC_VERSION
from .normalize import canonical_field, spec_normalize
from .plan import Plan, spec_plan, spec_plan_for_new_project

__all__ = [
    "SPEC_VERSION",
    "Plan",
    "canonical_field",
    "drops_refuse",
    "spec_apply",
    "spec_export",
    "spec_normalize",
    "spec_plan",
    "spec_plan_for_new_project",
]
