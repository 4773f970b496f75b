/**
 * Every route of the API, read from its OpenAPI document (so a new route is walked without touching
 * this file), gets hostile values in each path parameter, query parameter and body field: NUL bytes,
 * text longer than the field allows, ids above 2^63, `1e20`, dates that do not exist, wrong types,
 * and unknown fields. Each must be refused with a 400 that names the field; none may answer 500.
 */
import type { FastifyInstance } from 'fastify';
import { describeEachEngine } from '../support/engines';
import { type SignedIn, signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

type JsonSchema = Record<string, any>;
type Where = 'path' | 'query' | 'body';

interface Parameter {
  in: string;
  name: string;
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema: JsonSchema }> };
}
interface Route {
  method: string;
  /** OpenAPI path, e.g. /api/periods/{code}/close */
  path: string;
  operation: Operation;
}

/** A value as it goes on the wire: text for path and query, a JSON literal for a body field. */
interface Hostile {
  label: string;
  text?: string;
  json?: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function typesOf(schema: JsonSchema): string[] {
  // OpenAPI 3.0 writes `type: ['string', 'null']` as `type: 'string', nullable: true`.
  const nullable = schema.nullable ? ['null'] : [];
  if (Array.isArray(schema.type)) return [...schema.type, ...nullable];
  if (typeof schema.type === 'string') return [schema.type, ...nullable];
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map((v: unknown) => typeof v))] as string[];
  return [];
}

/** A value the schema accepts, for the path parameters that are not under attack. */
function sample(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return String(schema.enum[0]);
  if (Array.isArray(schema.examples)) return String(schema.examples[0]);
  const types = typesOf(schema);
  if (types.includes('integer') || types.includes('number'))
    return String(Math.max(Number(schema.minimum ?? 1), 1));
  if (schema.format === 'date') return '2026-03-01';
  if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000001';
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern, 'u');
    const found = ['2026-03', '2026-03-01', '000001', 'A1', 'X', '1'].find((c) => pattern.test(c));
    if (found) return found;
  }
  return 'X'.repeat(Math.max(1, Number(schema.minLength ?? 1)));
}

function hostileValues(schema: JsonSchema, where: Where): Hostile[] {
  const types = typesOf(schema);
  const out: Hostile[] = [];
  const add = (label: string, value: string, json = JSON.stringify(value)) =>
    out.push(where === 'body' ? { label, json } : { label, text: value });
  if (types.includes('string')) {
    add('a NUL byte', 'a\u0000b');
    // Longer than the field allows; a field without a bound gets text no column holds.
    const limit = typeof schema.maxLength === 'number' ? schema.maxLength : where === 'body' ? 100_000 : 900;
    add(`${limit + 1} characters`, 'x'.repeat(limit + 1));
    if (schema.format === 'date' || /date/i.test(String(schema.pattern ?? '')))
      add('a date that does not exist', '2026-02-31');
    if (Array.isArray(schema.enum)) add('a value outside the list', 'bogus');
  }
  if (types.includes('integer') || types.includes('number')) {
    if (where === 'body') {
      out.push({ label: 'an id above 2^63', json: '9223372036854775809' });
      out.push({ label: '1e20', json: '1e20' });
      if (!types.includes('string')) out.push({ label: 'a number as text', json: '"1"' });
    } else {
      for (const text of ['9223372036854775809', '1e20', '0x10', ' 1', 'abc'])
        add(JSON.stringify(text), text);
    }
    if (types.includes('integer')) add('1.5', '1.5', '1.5');
    if (typeof schema.minimum === 'number' && schema.minimum >= 0) add('-1', '-1', '-1');
  }
  if (types.includes('boolean')) {
    if (where === 'body') {
      out.push(
        { label: 'null', json: 'null' },
        { label: '0', json: '0' },
        { label: '"true"', json: '"true"' },
      );
    } else add('"yes"', 'yes');
  }
  if (where === 'body') {
    if (!types.includes('null') && !out.some((h) => h.json === 'null'))
      out.push({ label: 'null', json: 'null' });
    if (!types.includes('object')) out.push({ label: 'an object', json: '{}' });
    if (types.includes('object')) out.push({ label: 'text', json: '"text"' });
  }
  return out;
}

/** Body fields, nested ones and the first item of arrays included, as [field path, schema]. */
function bodyFields(
  schema: JsonSchema,
  resolve: (s: JsonSchema) => JsonSchema,
  prefix = '',
): [string, JsonSchema][] {
  const s = resolve(schema);
  const out: [string, JsonSchema][] = [];
  for (const [name, raw] of Object.entries<JsonSchema>(s.properties ?? {})) {
    const field = resolve(raw);
    const path = prefix ? `${prefix}.${name}` : name;
    out.push([path, field]);
    if (typesOf(field).includes('object')) out.push(...bodyFields(field, resolve, path));
    if (typesOf(field).includes('array') && field.items) {
      const item = resolve(field.items);
      out.push([`${path}[0]`, item]);
      if (typesOf(item).includes('object')) out.push(...bodyFields(item, resolve, `${path}[0]`));
    }
  }
  return out;
}

/**
 * A body the schema accepts, from the required fields only, so that a hostile value is the one thing
 * wrong with a request (and one that slips through reaches the handler and the database).
 */
function validBody(schema: JsonSchema, resolve: (s: JsonSchema) => JsonSchema): unknown {
  const s = resolve(schema);
  const types = typesOf(s);
  if (types.includes('object') || s.properties) {
    const out: Record<string, unknown> = {};
    for (const name of s.required ?? []) out[name] = validBody(s.properties[name], resolve);
    // A body that must name something (a PATCH: minProperties) gets its first fields too.
    for (const name of Object.keys(s.properties ?? {})) {
      if (Object.keys(out).length >= Number(s.minProperties ?? 0)) break;
      if (!(name in out)) out[name] = validBody(s.properties[name], resolve);
    }
    return out;
  }
  if (types.includes('array'))
    return Array.from({ length: Number(s.minItems ?? 0) }, () => validBody(s.items ?? {}, resolve));
  if (types.includes('boolean')) return false;
  if (types.includes('integer') || types.includes('number')) return Number(sample(s));
  return sample(s);
}

/** The valid body with the field at `a.b[0]` set to a value given as JSON text. */
function bodyWith(base: unknown, path: string, json: string): string {
  const marker = '__HOSTILE__';
  const steps = path.split('.').flatMap((step) => {
    const match = /^(.*)\[0\]$/.exec(step);
    return match ? [match[1], 0] : [step];
  });
  const root = structuredClone(base) as Record<string | number, unknown>;
  let node = root;
  steps.forEach((step, i) => {
    if (i === steps.length - 1) node[step] = marker;
    else {
      const next = steps[i + 1];
      if (typeof node[step] !== 'object' || node[step] === null) node[step] = next === 0 ? [] : {};
      node = node[step] as Record<string | number, unknown>;
    }
  });
  return JSON.stringify(root).replace(JSON.stringify(marker), json);
}

describeEachEngine('hostile input on every route', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;
  const routes: Route[] = [];
  let components: Record<string, JsonSchema> = {};
  let sent = 0;

  const resolve = (schema: JsonSchema): JsonSchema => {
    const ref = schema?.$ref as string | undefined;
    if (!ref) return schema;
    return components[ref.replace('#/components/schemas/', '')] ?? schema;
  };

  beforeAll(async () => {
    app = await buildFullApi(ctx.database);
    api = await signInAs(app, ctx.database, 'administrator');
    await app.ready();
    const doc = app.swagger() as { paths: Record<string, Record<string, Operation>>; components?: any };
    components = doc.components?.schemas ?? {};
    for (const [path, item] of Object.entries(doc.paths))
      for (const method of METHODS) if (item[method]) routes.push({ method, path, operation: item[method] });
  });
  afterAll(async () => {
    console.log(`hostile input: ${sent} requests over ${routes.length} routes`);
    await app?.close();
  });

  it('finds the routes in the OpenAPI document', () => {
    // health, insurers, the exchange and the back office: a route missing here would go unwalked.
    expect(routes.length).toBeGreaterThanOrEqual(25);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'post /api/periods/{code}/calculate',
        'post /api/plans/what-if',
        'get /api/insurers',
      ]),
    );
  });

  it('refuses every hostile value with a 400 naming the field, on every route', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      const params = (route.operation.parameters ?? []).filter((p) => p.in === 'path');
      const query = (route.operation.parameters ?? []).filter((p) => p.in === 'query');
      const bodySchema = route.operation.requestBody?.content?.['application/json']?.schema;
      const url = (override?: [string, string], search = '') =>
        route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
          const p = params.find((x) => x.name === name)!;
          return encodeURIComponent(override?.[0] === name ? override[1] : sample(p.schema));
        }) + search;
      const send = async (
        what: string,
        field: string,
        request: { url: string; payload?: string },
        /** A value at the edge of what the field allows: anything but a 500 will do. */
        atLimit = false,
      ): Promise<void> => {
        sent++;
        const response = await api.inject({
          method: route.method.toUpperCase() as 'GET',
          url: request.url,
          ...(request.payload !== undefined
            ? { payload: request.payload, headers: { 'content-type': 'application/json' } }
            : {}),
        });
        const body = (() => {
          try {
            return response.json();
          } catch {
            return {};
          }
        })();
        const named = (body.details ?? []).some((d: { field: string }) => d.field === field);
        if (atLimit ? response.statusCode >= 500 : response.statusCode !== 400 || !named)
          failures.push(
            `${route.method.toUpperCase()} ${route.path} ${field} = ${what}: ${response.statusCode} ${response.body.slice(0, 200)}`,
          );
      };

      // Values at the edge of what each field allows pass validation and reach the handler and the
      // database: the longest text, the largest number. None may fail there.
      const edge = (schema: JsonSchema): string | undefined => {
        const types = typesOf(schema);
        if (
          types.includes('string') &&
          typeof schema.maxLength === 'number' &&
          !schema.pattern &&
          !schema.format
        )
          return 'я'.repeat(schema.maxLength);
        if ((types.includes('integer') || types.includes('number')) && typeof schema.maximum === 'number')
          return String(schema.maximum);
        return undefined;
      };
      for (const p of params) {
        const value = edge(p.schema);
        if (value !== undefined) await send('the edge', p.name, { url: url([p.name, value]) }, true);
      }
      for (const q of query) {
        const value = edge(q.schema);
        if (value !== undefined)
          await send(
            'the edge',
            q.name,
            { url: url(undefined, `?${q.name}=${encodeURIComponent(value)}`) },
            true,
          );
      }
      if (bodySchema) {
        const valid = validBody(bodySchema, resolve);
        for (const [field, schema] of bodyFields(bodySchema, resolve)) {
          const value = edge(schema);
          if (value === undefined || field.includes('[0]')) continue;
          const json = typesOf(schema).includes('string') ? JSON.stringify(value) : value;
          await send(
            'the edge',
            `body.${field}`,
            { url: url(), payload: bodyWith(valid, field, json) },
            true,
          );
        }
      }

      for (const p of params)
        for (const h of hostileValues(p.schema, 'path'))
          await send(h.label, p.name, { url: url([p.name, h.text!]) });
      for (const q of query)
        for (const h of hostileValues(q.schema, 'query'))
          await send(h.label, q.name, { url: url(undefined, `?${q.name}=${encodeURIComponent(h.text!)}`) });
      const base = bodySchema ? validBody(bodySchema, resolve) : undefined;
      const basePayload = base === undefined ? undefined : JSON.stringify(base);
      await send('an unknown parameter', 'preveiw', {
        url: url(undefined, '?preveiw=true'),
        payload: basePayload,
      });
      if (bodySchema) {
        for (const [field, schema] of bodyFields(bodySchema, resolve))
          for (const h of hostileValues(schema, 'body'))
            await send(h.label, `body.${field}`, { url: url(), payload: bodyWith(base, field, h.json!) });
        await send('an unknown field', 'body.preveiw', {
          url: url(),
          payload: bodyWith(base, 'preveiw', 'true'),
        });
        await send('an array for a body', 'body', { url: url(), payload: '[]' });
      }
    }
    expect(failures).toEqual([]);
  });
});
