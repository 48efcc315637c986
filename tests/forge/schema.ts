// Swagger 2.0 response checker for the Forgejo stand-in: finds the schema an operation declares
// for a status code and reports where a JSON value strays from it.

/** The subset of a Swagger 2.0 schema object the Forgejo description uses. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  required?: string[];
}

interface ResponseObject {
  $ref?: string;
  schema?: Schema;
}

export interface Swagger {
  definitions: Record<string, Schema>;
  responses: Record<string, ResponseObject>;
  paths: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
}

export function loadSwagger(path: string): Swagger {
  return JSON.parse(Deno.readTextFileSync(path));
}

/**
 * Problems of a reply to `method template` with `status`. The body is the JSON sent, a `list`
 * of what the operation declares one of (Forgejo answers a directory's contents so), or
 * neither for a non-JSON body. A success status must be declared for the operation. Error
 * statuses the swagger leaves undeclared or declares empty (401 on most routes, 405 on merge)
 * still carry Forgejo's ctx.Error body, so they are checked against the generic error shape.
 */
export function checkReply(
  swagger: Swagger,
  template: string,
  method: string,
  status: number,
  body: { json?: unknown; list?: unknown },
): string[] {
  let response = swagger.paths[template]?.[method.toLowerCase()]?.responses?.[String(status)];
  if (response?.$ref) response = swagger.responses[refName(response.$ref, "#/responses/")];
  if (!response && status < 400) return [`status ${status} not declared for ${method} ${template}`];
  let schema = response?.schema;
  if (!("json" in body) && !("list" in body)) {
    // Bare statuses (Forgejo's ctx.Status) and file downloads carry no JSON.
    const wantsJson = status < 400 && schema && schema.type !== "file";
    return wantsJson ? [`no JSON body for ${status}`] : [];
  }
  if (schema?.type === "file") return ["JSON sent for a file"];
  if (!schema) {
    if (status < 400) return ["body sent, none declared"];
    schema = { $ref: "#/definitions/APINotFound" }; // message, url, errors: every error shape
  }
  if ("list" in body) return check(swagger, { type: "array", items: schema }, body.list);
  return check(swagger, schema, body.json);
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Problems of `value` against `schema`, each as "<json path>: <what>". Absent and null
 * properties are fine: the swagger marks nothing nullable although every Go pointer or slice
 * (ContentsResponse.encoding, PullRequest.merged_at, ...) comes out as null. Wrong types and
 * properties the definition does not declare are problems.
 */
function check(swagger: Swagger, schema: Schema, value: unknown, at = "$"): string[] {
  if (schema.$ref) {
    return check(swagger, swagger.definitions[refName(schema.$ref, "#/definitions/")], value, at);
  }
  if (value === null) return [];
  if (schema.enum && !schema.enum.includes(value)) {
    return [`${at}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`];
  }
  switch (schema.type) {
    case undefined:
      return schema.properties ? checkObject(swagger, schema, value, at) : [];
    case "object":
      return checkObject(swagger, schema, value, at);
    case "array":
      if (!Array.isArray(value)) return [`${at}: expected array, got ${kind(value)}`];
      return value.flatMap((item, i) => check(swagger, schema.items ?? {}, item, `${at}[${i}]`));
    case "string":
      if (typeof value !== "string") return [`${at}: expected string, got ${kind(value)}`];
      if (schema.format === "date-time" && !DATE_TIME.test(value)) {
        return [`${at}: ${JSON.stringify(value)} is not a date-time`];
      }
      return [];
    case "integer":
      return Number.isInteger(value) ? [] : [`${at}: expected integer, got ${kind(value)}`];
    case "number":
      return typeof value === "number" ? [] : [`${at}: expected number, got ${kind(value)}`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${at}: expected boolean, got ${kind(value)}`];
    default:
      return [`${at}: schema type ${schema.type} cannot describe JSON`];
  }
}

function checkObject(swagger: Swagger, schema: Schema, value: unknown, at: string): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [`${at}: expected object, got ${kind(value)}`];
  }
  const record = value as Record<string, unknown>;
  const problems = (schema.required ?? [])
    .filter((name) => !(name in record))
    .map((name) => `${at}.${name}: required but missing`);
  for (const [name, item] of Object.entries(record)) {
    const declared = schema.properties?.[name];
    const extra = schema.additionalProperties;
    if (declared) problems.push(...check(swagger, declared, item, `${at}.${name}`));
    else if (typeof extra === "object") {
      problems.push(...check(swagger, extra, item, `${at}.${name}`));
    } else if (extra !== true) problems.push(`${at}.${name}: not declared in the schema`);
  }
  return problems;
}

function refName(ref: string, prefix: string): string {
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}

function kind(value: unknown): string {
  return Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
}
