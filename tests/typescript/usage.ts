// Compiled with `tsc --noEmit --strict` against the types generated for the project of tests/records/test_typescript.py
// (written next to this file as generated.d.ts). Each @ts-expect-error line must be an error: the types refuse it.
import type { Database, Filter, FilterOperator, Tables, TablesInsert, TablesUpdate } from "./generated";

const row: Tables<"everything"> = {
  id: 1,
  title: "first",
  body: null,
  contact: "a@example.com",
  site: null,
  qty: 3,
  ratio: 0.5,
  price: "1.00",
  active: true,
  day: "2026-12-04",
  at: "2026-12-04T12:00:00Z",
  size: "m",
  labels: ["red"],
  meta: { any: ["json", 1, null] },
  ref: null,
  photo: null,
  owner: 7,
  fans: [7, 8],
  created_at: "2026-12-04T12:00:00Z",
  updated_at: "2026-12-04T12:00:00Z",
};
const title: string = row.title;
const size: "s" | "m" | "l" | null = row.size;

const insert: TablesInsert<"everything"> = { title: "only the required field" };
const full: TablesInsert<"everything"> = { title: "x", size: null, labels: ["blue"], fans: [], owner: null };
const update: TablesUpdate<"everything"> = { qty: 4, size: null };
const person: Database["tables"]["people"]["Insert"] = { name: "Ada" };

const op: FilterOperator<"everything", "title"> = "icontains";
const filter: Filter<"everything"> = {
  and: [
    { field: "size", op: "in", value: ["s", "m"] },
    { or: [{ field: "title", op: "starts_with", value: "fi" }, { field: "labels", op: "has_any", value: ["red"] }] },
  ],
};

// @ts-expect-error: title is required to create a record
const missing: TablesInsert<"everything"> = { qty: 1 };
// @ts-expect-error: not one of the choices
const wrongChoice: TablesUpdate<"everything"> = { size: "xl" };
// @ts-expect-error: id is automatic, not part of an update
const withId: TablesUpdate<"everything"> = { id: 3 };
// @ts-expect-error: files are uploaded, not written in a body
const withFile: TablesInsert<"everything"> = { title: "x", photo: null };
// @ts-expect-error: a required field is never null
const nullTitle: TablesInsert<"everything"> = { title: null };
// @ts-expect-error: text fields have no has_any
const wrongOperator: Filter<"everything"> = { field: "title", op: "has_any", value: ["x"] };
// @ts-expect-error: no such field
const unknownField: Filter<"everything"> = { field: "nope", op: "eq", value: 1 };
// @ts-expect-error: no such table
type NoTable = Tables<"nope">;

export { full, insert, update, person, op, filter, title, size, missing, wrongChoice, withId, withFile, nullTitle };
export { wrongOperator, unknownField };
export type { NoTable };
