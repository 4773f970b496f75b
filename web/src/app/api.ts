/**
 * The one way the screens talk to the server: the same JSON API that programs use, with the session
 * cookie the sign-in set (same origin, so the browser sends it; SameSite=Strict and the server's
 * Origin check are the CSRF protection). Every error answer is `{ error, message }`: ApiError keeps
 * both and the HTTP status so a screen can show the server's own words.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers:
      body === undefined
        ? { accept: 'application/json' }
        : { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  const payload = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const error =
      typeof payload === 'object' && payload ? (payload as { error?: string; message?: string }) : {};
    throw new ApiError(
      response.status,
      error.error ?? 'error',
      error.message ?? String(payload || response.statusText),
    );
  }
  return payload as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown = {}) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown = {}) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** A page of a list as the API answers it (src/api/paging.ts): `?page=1&pageSize=50` in. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}
