import { TransportError } from './transport-error';

/**
 * A remote file name is one path segment chosen by someone else (the insurer, or a register builder
 * fed with insurer data): refuse anything that could walk out of the folder or hide in logs.
 */
export function assertSafeRemoteName(channel: string, name: string): void {
  const problem =
    name === ''
      ? 'is empty'
      : name === '.' || name === '..' || name.includes('../') || name.includes('..\\')
        ? 'refers to a parent folder'
        : name.includes('/') || name.includes('\\')
          ? 'contains a path separator'
          : [...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
            ? 'contains a control character'
            : Buffer.byteLength(name) > 255
              ? 'is longer than 255 bytes'
              : null;
  if (problem !== null) {
    throw new TransportError(channel, 'unsafe-name', `remote name ${JSON.stringify(name)} ${problem}`, {
      target: name,
      retryable: false,
    });
  }
}
