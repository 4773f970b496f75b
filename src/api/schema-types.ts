/**
 * Field schemas the routes share, each bounded so that no value a request sends can fail in the
 * database instead of at the door: ids within what JavaScript holds exactly, text within its column,
 * dates that exist on the calendar.
 */

/** Ids are bigint in the database and numbers here: anything above 2^53 - 1 would be rounded. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/** A row id in a path, query or body. */
export const idSchema = { type: 'integer', minimum: 1, maximum: MAX_ID } as const;

/** Free text of at most `maxLength` characters (the column's length), e.g. a reason. */
export function text(maxLength: number, minLength = 0) {
  return { type: 'string', maxLength, ...(minLength ? { minLength } : {}) } as const;
}

/** A login or name of who did something (the `*_by` columns hold 100 characters). */
export const actorSchema = text(100, 1);

/** A code of the trade (consultant, level, unit, insurer, contest): 40 characters in every table. */
export const codeSchema = text(40, 1);

/** A production period, yyyy-mm. */
export const periodSchema = {
  type: 'string',
  pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
  maxLength: 7,
  examples: ['2026-03'],
} as const;

/** The params of a route under /api/periods/:code. */
export const periodParamsSchema = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: periodSchema },
} as const;

/** A calendar date, yyyy-mm-dd, that exists (2026-02-31 is refused). */
export const dateSchema = {
  type: 'string',
  format: 'date',
  maxLength: 10,
  examples: ['2026-03-01'],
} as const;

/** Path parameters of a route that names one record by its numeric id. */
export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: idSchema },
} as const;

/** The documented error answers of a route: each status answers `{ error, message, … }`. */
export function apiErrors<C extends number>(...codes: C[]): Record<C, { $ref: 'ApiError#' }> {
  return Object.fromEntries(codes.map((code) => [code, { $ref: 'ApiError#' }])) as Record<
    C,
    { $ref: 'ApiError#' }
  >;
}
