/** The one refusal of the policies module: what was wrong, with which field, and how it maps to HTTP. */

export type PolicyRecordRefusal =
  /** The input breaks a business rule (a wrong check digit, a product of another insurer). */
  | 'invalid'
  /** A record the request names does not exist. */
  | 'not_found'
  /** The request conflicts with what is stored (a duplicate tax number, an application already sent). */
  | 'conflict';

export class PolicyRecordError extends Error {
  constructor(
    readonly kind: PolicyRecordRefusal,
    message: string,
    /** The input field at fault, e.g. `taxNumber` or `holder.taxNumber`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'PolicyRecordError';
  }
}

export const invalid = (field: string, message: string) =>
  new PolicyRecordError('invalid', `${field}: ${message}`, field);
export const notFound = (message: string, field?: string) =>
  new PolicyRecordError('not_found', message, field);
export const conflict = (message: string, field?: string) =>
  new PolicyRecordError('conflict', message, field);
