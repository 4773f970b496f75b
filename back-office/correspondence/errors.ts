/** The one refusal of the correspondence module: what was wrong, with which field, and its HTTP status. */
export type CorrespondenceRefusal = 'invalid' | 'not_found' | 'conflict' | 'unavailable';

const STATUS: Record<CorrespondenceRefusal, number> = {
  invalid: 422,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
};

export class CorrespondenceError extends Error {
  readonly statusCode: number;
  constructor(
    readonly kind: CorrespondenceRefusal,
    message: string,
    /** The input field at fault, e.g. `policyNumber`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CorrespondenceError';
    this.statusCode = STATUS[kind];
  }
}

export const notFound = (message: string, field?: string) =>
  new CorrespondenceError('not_found', message, field);
export const invalid = (field: string, message: string) =>
  new CorrespondenceError('invalid', `${field}: ${message}`, field);
export const conflict = (message: string, field?: string) =>
  new CorrespondenceError('conflict', message, field);
