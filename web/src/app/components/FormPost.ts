/**
 * Sending a form to the API and keeping what the server says about each field: an error answer's
 * `details` ([{ field: 'body.taxNumber', message }]) become messages keyed by the field's name
 * (`taxNumber`, `holder.fullName`), so a form shows each next to its input; what names no field of the
 * form is shown above it in the server's own words.
 */
import { ApiError } from '../api';

export class FormError extends ApiError {
  constructor(
    status: number,
    code: string,
    message: string,
    /** Field name (without `body.`) → the server's message. */
    readonly fields: Record<string, string>,
  ) {
    super(status, code, message);
  }
}

interface ErrorBody {
  error?: string;
  message?: string;
  details?: { field: string; message: string }[];
}

/** `body.holder.taxNumber` → `holder.taxNumber`; `/taxNumber` → `taxNumber`. */
export function fieldKey(field: string): string {
  return field
    .replace(/^body[./]/, '')
    .replace(/^\//, '')
    .replace(/\//g, '.');
}

export async function sendForm<T>(method: 'POST' | 'PATCH' | 'PUT', path: string, body: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const type = response.headers.get('content-type') ?? '';
  const payload: unknown = type.includes('json') ? await response.json() : await response.text();
  if (response.ok) return payload as T;
  const error: ErrorBody = typeof payload === 'object' && payload ? (payload as ErrorBody) : {};
  const fields: Record<string, string> = {};
  for (const detail of error.details ?? []) fields[fieldKey(detail.field)] ??= detail.message;
  // The network's refusals say `body.field: why` in the message too.
  const named = /^(body\.[\w.[\]]+): (.*)$/s.exec(error.message ?? '');
  if (named && !error.details?.length) fields[fieldKey(named[1])] = named[2];
  throw new FormError(
    response.status,
    error.error ?? 'error',
    error.message ?? String(payload || response.statusText),
    fields,
  );
}

/** The server's message for one field, or null. */
export function fieldError(error: unknown, field: string): string | null {
  return error instanceof FormError ? (error.fields[field] ?? null) : null;
}

/** The server's message when it names none of `fields` (shown above the form), else null. */
export function formError(error: unknown, fields: readonly string[]): string | null {
  if (!error) return null;
  if (error instanceof FormError && Object.keys(error.fields).some((f) => fields.includes(f))) return null;
  return error instanceof Error ? error.message : String(error);
}
