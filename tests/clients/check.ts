// Compiled (never run) against the types openapi-typescript generates from the committed
// document: what an integrator's TypeScript would write must type-check.
import type { components, paths } from "./generated/api";

type Page<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { "application/json": infer B } } } } } ? B : never;

// Every list has the one shape, and its items are the resource.
const systems: Page<"/api/v1/systems"> = { items: [], total: 0, next_cursor: null };
const firstName: string | undefined = systems.items[0]?.name;
const duties: Page<"/api/v1/systems/{id}/obligations"> = { items: [], total: 0, next_cursor: null };
const dueOn: string | null | undefined = duties.items[0]?.next_due_on;

// A notification's items are a list of objects (once documented as an object).
const notification: components["schemas"]["Notification"]["items"] = [{ kind: "backup_test", days_left: 3 }];

// A problem names each field and rule.
const problem: components["schemas"]["Problem"] = {
  type: "urn:systemejer:problem:validation",
  title: "The request breaks the register's rules",
  status: 422,
  detail: "name: missing field `name`",
  errors: [{ field: "name", rule: "required", message: "missing field `name`" }],
};

// The CSV export is an operation of its own, answering text.
type Csv = paths["/api/v1/reports/processing-records.csv"]["get"]["responses"][200]["content"]["text/csv"];
const csv: Csv = "\ufeffsystem_id;system\r\n";

export const used = [firstName, dueOn, notification, problem, csv];
