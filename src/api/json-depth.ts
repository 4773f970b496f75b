/**
 * Request bodies nest at most MAX_JSON_DEPTH levels: the deepest input any route takes (a contest's
 * definition, an act's intermediary) is a handful of levels, while a body of a million `[` would make
 * every recursive step after parsing (validation, logging, the database driver) run out of stack.
 * Measured without recursion, before validation; a deeper body is answered 400 naming where.
 */
import type { FastifyInstance } from 'fastify';

export const MAX_JSON_DEPTH = 32;

/** The path to the first value nested deeper than `max` levels, e.g. `body.extra.a.a`, or null. */
export function tooDeep(value: unknown, max = MAX_JSON_DEPTH): string | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: 'body' }];
  while (stack.length) {
    const { value: v, depth, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return path;
    if (Array.isArray(v))
      v.forEach((item, i) => stack.push({ value: item, depth: depth + 1, path: `${path}[${i}]` }));
    else
      for (const [key, item] of Object.entries(v))
        stack.push({ value: item, depth: depth + 1, path: `${path}.${key}` });
  }
  return null;
}

export function installJsonDepthLimit(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const where = tooDeep(request.body);
    if (where === null) return;
    const shown = where.length > 200 ? `${where.slice(0, 200)}…` : where;
    throw Object.assign(new Error(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels (at ${shown})`), {
      statusCode: 400,
    });
  });
}
