/**
 * The JSON Schemas in schemas/ compiled once with ajv: canonical records, mapping files, adapter
 * configuration. Error paths are turned into readable `at /fields/status: …` text.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { CanonicalMessageType } from '../canonical';

let cachedRoot: string | null = null;

/** The project folder (holds schemas/, adapters/, mappings/), found upward from this file. */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    // The build (dist/, see bin/build.js) holds copies of schemas/ and package.json too, but the
    // project folder is the one above it: adapters/ and mappings/ are read from there at run time.
    if (
      existsSync(path.join(dir, 'schemas')) &&
      existsSync(path.join(dir, 'package.json')) &&
      !existsSync(path.join(dir, 'build-stamp.json'))
    )
      return (cachedRoot = dir);
    const parent = path.dirname(dir);
    if (parent === dir) return (cachedRoot = process.cwd());
    dir = parent;
  }
}

let ajv: Ajv | null = null;

function compiler(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const dir = path.join(projectRoot(), 'schemas');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
    const schema = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { $id?: string };
    ajv.addSchema(schema, schema.$id ?? name);
  }
  return ajv;
}

/** Validator of schemas/<name>.schema.json. */
export function schemaValidator(name: string): ValidateFunction {
  const id = `${name}.schema.json`;
  const validate = compiler().getSchema(id);
  if (!validate) throw new Error(`schemas/${id} not found`);
  return validate;
}

/** The canonical schema each message type's records must pass. */
export const CANONICAL_SCHEMA: Record<CanonicalMessageType, string> = {
  contracts: 'policy',
  amendments: 'amendment',
  payments: 'premium-payment',
  commission: 'commission-line',
  'register-answer': 'register-answer',
  register: 'application',
};

/** One line per ajv error: `/fields/status: must be equal to one of the allowed values (…)`. */
export function describeSchemaErrors(
  errors: ErrorObject[] | null | undefined,
): { path: string; message: string }[] {
  return (errors ?? [])
    .filter(
      (e) =>
        e.keyword !== 'if' &&
        !(e.keyword === 'oneOf' && errors!.some((o) => o !== e && o.instancePath.startsWith(e.instancePath))),
    )
    .map((e) => {
      let where = e.instancePath || '/';
      if (e.keyword === 'required')
        where = `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`;
      if (e.keyword === 'additionalProperties')
        where = `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`;
      const allowed =
        e.keyword === 'enum'
          ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`
          : '';
      return { path: where, message: `${e.message ?? e.keyword}${allowed}` };
    });
}
