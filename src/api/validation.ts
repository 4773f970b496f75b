/**
 * How requests are validated, one policy for every route:
 * - bodies are JSON and taken as sent: no type coercion (`preview: 0` or `null` is not `false`), and
 *   an unknown field is refused, never dropped (`preveiw: true` must not post a ledger);
 * - querystrings and path parameters arrive as text: a number is taken only when written as plain
 *   digits (`page=1e20`, `0x10` or ` 1` are refused, not read as numbers), then checked like a body;
 * - no string may hold a NUL character (PostgreSQL cannot store one);
 * - every route has a querystring schema and state-changing routes a body schema, closed unless they
 *   say otherwise, so a route that forgets one still refuses what it does not know.
 * Each refusal is a 400 naming the field (see errors.ts).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type JsonSchema = Record<string, unknown>;
type HttpPart = 'body' | 'querystring' | 'params' | 'headers';

/** A schema problem in the shape Ajv reports, so errors.ts names the field the same way. */
function problem(instancePath: string, keyword: string, message: string): ErrorObject {
  return { instancePath, schemaPath: `#/${keyword}`, keyword, params: {}, message };
}

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Every string holding a NUL character, wherever it sits in the value. */
function nulProblems(value: unknown, path = '', found: ErrorObject[] = []): ErrorObject[] {
  if (found.length >= 20) return found;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push(problem(path, 'nul', 'must not contain a NUL character'));
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nulProblems(item, pointer(path, i), found));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000'))
        found.push(problem(pointer(path, key), 'nul', 'must not contain a NUL character'));
      nulProblems(item, pointer(path, key), found);
    }
  }
  return found;
}

/** The types a property of a text part may take (`type: 'integer'` or `['integer', 'null']`). */
function typesOf(schema: unknown): string[] {
  const type = (schema as JsonSchema | undefined)?.type;
  return Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : [];
}

const WHOLE_NUMBER = /^-?\d+$/;
const DECIMAL_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Text the coercing validator would read as a number or boolean although nobody writes it so:
 * `1e20`, `0x10`, ` 1`, `1.`; a boolean is `true` or `false`.
 */
function malformedText(schema: JsonSchema, data: unknown): ErrorObject[] {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties || !data || typeof data !== 'object') return [];
  const found: ErrorObject[] = [];
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    const types = typesOf(properties[key]);
    if (typeof raw !== 'string' || types.includes('string')) continue;
    if (types.includes('integer') && !WHOLE_NUMBER.test(raw))
      found.push(problem(pointer('', key), 'type', 'must be integer (digits only)'));
    else if (types.includes('number') && !types.includes('integer') && !DECIMAL_NUMBER.test(raw))
      found.push(problem(pointer('', key), 'type', 'must be number (digits only)'));
    else if (types.includes('boolean') && raw !== 'true' && raw !== 'false')
      found.push(problem(pointer('', key), 'type', 'must be true or false'));
  }
  return found;
}

function newAjv(part: 'body' | 'text', externalSchemas: Record<string, unknown>): Ajv {
  const ajv = new Ajv({
    // Report every invalid field at once; bodies are capped by the body limit.
    allErrors: true,
    useDefaults: true,
    removeAdditional: false,
    coerceTypes: part === 'text' ? 'array' : false,
    // Shared schemas are added by id below; a route's own schema is not kept after compiling.
    addUsedSchema: false,
  });
  // Full mode: `date` refuses 2026-02-31, `date-time` checks the calendar too.
  addFormats(ajv, { mode: 'full' });
  for (const schema of Object.values(externalSchemas)) ajv.addSchema(schema as JsonSchema);
  return ajv;
}

/** The validator compiler factory handed to fastify's schema controller. */
export function buildValidator(externalSchemas: Record<string, unknown>) {
  const body = newAjv('body', externalSchemas);
  const text = newAjv('text', externalSchemas);

  return (definition: { schema: unknown; httpPart?: string }) => {
    const schema = definition.schema as JsonSchema;
    const httpPart = definition.httpPart;
    const part = (httpPart ?? 'body') as HttpPart;
    const ajv = part === 'body' ? body : text;
    const stored = typeof schema.$id === 'string' ? ajv.getSchema(schema.$id) : undefined;
    const validate = (stored ?? ajv.compile(schema)) as ValidateFunction;
    if (part === 'headers') return validate;

    // fastify reads the problems from `errors` of the function it called, as with Ajv's own.
    const check = (data: unknown): boolean => {
      const malformed = part === 'body' ? [] : malformedText(schema, data);
      let problems: ErrorObject[];
      if (malformed.length) {
        // Check the rest too, so every invalid field is named at once.
        const rest = { ...(data as Record<string, unknown>) };
        const bad = new Set(malformed.map((m) => m.instancePath.slice(1)));
        for (const key of bad) delete rest[key];
        const others = validate(rest) ? [] : (validate.errors ?? []);
        problems = [
          ...malformed,
          ...others.filter((e) => !(e.keyword === 'required' && bad.has(String(e.params.missingProperty)))),
        ];
      } else {
        const invalid = validate(data) ? [] : [...(validate.errors ?? [])];
        // NUL bytes are named even when other fields are missing or wrong.
        const flagged = new Set(invalid.map((e) => e.instancePath));
        problems = [...invalid, ...nulProblems(data).filter((n) => !flagged.has(n.instancePath))];
      }
      check.errors = problems.length ? problems : null;
      return !problems.length;
    };
    check.errors = null as ErrorObject[] | null;
    return check;
  };
}

/** Object schemas that do not say otherwise refuse unknown properties, nested ones too. */
function closeObjects(schema: unknown): void {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return;
  const s = schema as JsonSchema;
  if (s.$ref) return;
  const isObject =
    s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object')) || !!s.properties;
  if (isObject && s.additionalProperties === undefined && s.patternProperties === undefined)
    s.additionalProperties = false;
  for (const property of Object.values((s.properties as Record<string, unknown>) ?? {}))
    closeObjects(property);
  closeObjects(s.items);
}

function methodsOf(route: RouteOptions): string[] {
  return (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
}

/**
 * Gives every route the input policy above: a closed querystring schema when it declares none, a
 * closed body schema for state-changing routes that declare none, and closed objects throughout.
 * A request without a body is validated as `{}`, so a bodyless POST works where no field is required.
 */
export function installInputPolicy(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    // The API reference's own pages (Swagger UI) are not part of the API.
    if (route.url.startsWith('/docs')) return;
    const schema = (route.schema ??= {}) as FastifySchema & Record<string, unknown>;
    schema.querystring ??= { type: 'object', additionalProperties: false };
    if (methodsOf(route).some((m) => STATE_CHANGING.has(m)))
      schema.body ??= { type: 'object', additionalProperties: false };
    closeObjects(schema.body);
    closeObjects(schema.querystring);
    closeObjects(schema.params);
  });
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
}
