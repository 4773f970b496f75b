/** JSON payloads (REST answers of insurers that speak JSON). */
import { ExchangeError } from '../errors';

export function parseJson(payload: string | Buffer, file: string): unknown {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  try {
    return JSON.parse(text.replace(/^\ufeff/, '')) as unknown;
  } catch (err) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message: `not valid JSON: ${(err as Error).message}`,
      cause: err,
    });
  }
}
