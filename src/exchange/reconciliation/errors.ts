/** A refused resolution; `statusCode` is what the API answers (400 bad request, 404 unknown, 409 closed). */
export class MismatchResolutionError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 404 | 409,
  ) {
    super(message);
    this.name = 'MismatchResolutionError';
  }
}
