/** Refusals of the users module; each carries the HTTP status the API answers with. */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 401 | 403 | 404 | 409 | 422 | 429,
    readonly code: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** Input the module cannot take: a bad login, a role without its consultant or unit, a short password. */
export const refused = (message: string) => new AuthError(message, 422, 'unprocessable_entity');
export const notFound = (message: string) => new AuthError(message, 404, 'not_found');
export const conflict = (message: string) => new AuthError(message, 409, 'conflict');

/** A login refused: wrong login or password (one message for both), or locked after repeated failures. */
export class LoginRefusedError extends AuthError {
  constructor(
    readonly reason: 'invalid' | 'locked',
    /** When locked: how long until the next attempt is taken. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(
      reason === 'locked'
        ? `too many failed logins: this login is locked for ${Math.ceil((retryAfterSeconds ?? 0) / 60)} more minute(s)`
        : 'wrong login or password',
      reason === 'locked' ? 429 : 401,
      reason === 'locked' ? 'too_many_requests' : 'unauthorized',
    );
    this.name = 'LoginRefusedError';
  }
}
