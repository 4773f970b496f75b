/**
 * One error shape for every route: `{ error, message, details?, requestId? }`. Clients branch on `error`
 * (a stable word), people read `message`, and a 500 hands out only the request id to quote to support,
 * while the log under the same id holds the stack. No answer ever carries a stack trace.
 *
 * A request that meets a lost database connection (wherever it is thrown: a route, a hook, the
 * authentication) answers 503 `database_unavailable` with Retry-After, like the refusal that
 * plugins/database.ts gives at once while the database is known to be down.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseUnavailableError, isConnectionLoss } from '../db/availability';

/** Seconds a client refused for a database outage is told to wait (Retry-After). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The answer while the database does not answer; `problem` is e.g. ECONNREFUSED. */
export function databaseUnavailableBody(problem: string | null): ApiErrorBody {
  return {
    error: 'database_unavailable',
    message: `the database is not answering${problem ? ` (${problem})` : ''}; nothing was done, try again in ${DATABASE_RETRY_AFTER_SECONDS} s`,
  };
}

/** `$ref: 'ApiError#'` in a route's response schema documents this shape in OpenAPI. */
export const apiErrorSchema = {
  $id: 'ApiError',
  type: 'object',
  description: 'An error answer; `error` is a stable word to branch on, `message` is for people.',
  required: ['error'],
  properties: {
    error: { type: 'string', examples: ['bad_request', 'not_found', 'internal'] },
    message: { type: 'string' },
    details: {
      type: 'array',
      description: 'One entry per invalid input field',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: {
          field: { type: 'string', description: 'e.g. pageSize, or body.policy.number' },
          message: { type: 'string' },
        },
      },
    },
    requestId: { type: 'string', description: 'Quote it to support: the log under this id holds the cause' },
  },
} as const;

export interface FieldProblem {
  field: string;
  message: string;
}

export interface ApiErrorBody {
  error: string;
  message?: string;
  details?: FieldProblem[];
  requestId?: string;
}

interface AjvProblem {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * `/pageSize` -> `pageSize`, `/items/0/code` -> `items[0].code`; in a body the field is prefixed
 * `body.` so it cannot be confused with a query parameter of the same name.
 */
function fieldName(problem: AjvProblem, context: string | undefined): string {
  const segments = (problem.instancePath ?? '').split('/').filter(Boolean);
  const missing = problem.params?.missingProperty ?? problem.params?.additionalProperty;
  if (
    typeof missing === 'string' &&
    (problem.keyword === 'required' || problem.keyword === 'additionalProperties')
  ) {
    segments.push(missing);
  }
  let path = '';
  for (const raw of segments) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : path ? `.${segment}` : segment;
  }
  const prefix = context === 'body' ? 'body' : '';
  if (!path) return context ?? 'request';
  return prefix ? `${prefix}.${path}` : path;
}

export function validationDetails(error: FastifyError): FieldProblem[] {
  const problems = (error.validation ?? []) as AjvProblem[];
  return problems.map((problem) => ({
    field: fieldName(problem, error.validationContext),
    message: problem.message ?? 'is invalid',
  }));
}

/** `Payload Too Large` -> `payload_too_large`. */
function errorWord(statusCode: number): string {
  return (STATUS_CODES[statusCode] ?? 'error')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * Database errors caused by a value the request supplied, by SQLSTATE (PostgreSQL, PGlite) or ORA
 * code (Oracle). Routes validate first and name the field; this is the safety net for a value that
 * got through, so it answers 400 instead of 500.
 */
const INPUT_ERRORS: Record<string, string> = {
  '22001': 'a value in the request is longer than the database allows',
  '22003': 'a number in the request is out of range',
  '22007': 'a date or time in the request is not valid',
  '22008': 'a date or time in the request is out of range',
  '22021': 'a value in the request holds a character the database cannot store (e.g. NUL)',
  '22P02': 'a value in the request is not valid for its type',
  '22P05': 'a value in the request holds a character the database cannot store (e.g. NUL)',
  'ORA-01438': 'a number in the request is out of range',
  'ORA-01722': 'a value in the request is not a valid number',
  'ORA-01839': 'a date in the request is not valid',
  'ORA-01847': 'a date in the request is not valid',
  'ORA-12899': 'a value in the request is longer than the database allows',
};

/** The safe message for a database error caused by input, or null when it is not one. */
export function inputErrorMessage(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(INPUT_ERRORS, code) ? INPUT_ERRORS[code] : null;
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.addSchema(apiErrorSchema);

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) {
      const details = validationDetails(error);
      request.log.info({ details }, 'request rejected: invalid input');
      const body: ApiErrorBody = {
        error: 'bad_request',
        message: details.map((d) => `${d.field}: ${d.message}`).join('; '),
        details,
      };
      return reply.code(400).send(body);
    }
    const fromInput = inputErrorMessage(error);
    if (fromInput) {
      // The database's own text may quote the value; the log keeps it, the answer does not.
      request.log.info({ err: error }, 'request rejected by the database: invalid input');
      const body: ApiErrorBody = { error: 'bad_request', message: fromInput };
      return reply.code(400).send(body);
    }
    if (isConnectionLoss(error)) {
      request.log.warn({ err: error }, 'request failed: the database is not answering');
      const availability = (request.server as Partial<FastifyInstance>).database?.availability;
      const problem =
        availability?.problem ?? (error instanceof DatabaseUnavailableError ? error.problem : null);
      const body: ApiErrorBody = { ...databaseUnavailableBody(problem), requestId: String(request.id) };
      return reply.code(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS)).send(body);
    }
    const statusCode = error.statusCode ?? 500;
    if (statusCode === 503) {
      // A service the request needs is not answering (the job queue's Redis): nothing was done.
      const body: ApiErrorBody = { error: 'service_unavailable', message: error.message };
      return reply.code(503).header('retry-after', '5').send(body);
    }
    if (statusCode >= 400 && statusCode < 500) {
      // Fastify's own client errors (malformed JSON, body too large, wrong content type) carry a safe message.
      const body: ApiErrorBody = { error: errorWord(statusCode), message: error.message };
      return reply.code(statusCode).send(body);
    }
    request.log.error({ err: error }, 'request failed');
    const body: ApiErrorBody = {
      error: 'internal',
      message: 'the request failed on our side; quote the request id to support',
      requestId: String(request.id),
    };
    return reply.code(500).send(body);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const body: ApiErrorBody = {
      error: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    };
    return reply.code(404).send(body);
  });
}
