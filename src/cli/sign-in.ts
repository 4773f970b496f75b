/**
 * Who acts from the command line where the API would ask for a session: a change inside a closed
 * period is proposed, approved or rejected by a user of the hub who signs in with their password,
 * as in the API (`--by <login>`; the password from ECSPERT_PASSWORD, else asked for on a terminal).
 * The sign-in is a real one (failures count towards the login's lockout, a disabled user is
 * refused); its session ends when the command does.
 */
import readline from 'node:readline';
import { endSession, LoginRefusedError, login } from '../auth';
import type { Database } from '../db';
import { UserError } from './context';

/** Asks on a terminal without echoing; null when stdin is not a terminal. */
async function askHidden(question: string): Promise<string | null> {
  if (!process.stdin.isTTY) return null;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const writer = rl as unknown as { _writeToOutput: (s: string) => void };
  const write = writer._writeToOutput;
  process.stderr.write(question);
  writer._writeToOutput = (s: string) => {
    if (s.includes('\n')) write.call(rl, '\n');
  };
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    writer._writeToOutput = write;
    rl.close();
  }
}

export interface SignedInUser {
  login: string;
  role: string;
}

/** Signs `loginName` in for `what` (e.g. "approving change request 7"), or refuses in one line. */
export async function signInFromCli(
  database: Database,
  loginName: string,
  what: string,
): Promise<SignedInUser> {
  const password = process.env.ECSPERT_PASSWORD ?? (await askHidden(`password of ${loginName}: `));
  if (!password)
    throw new UserError(
      `${what} needs ${loginName} signed in: run it on a terminal to be asked for the password, or set ECSPERT_PASSWORD`,
    );
  try {
    const session = await login(database, { login: loginName, password, address: 'cli' });
    await endSession(database, session.sessionSecret);
    return { login: session.user.login, role: session.user.role };
  } catch (error) {
    if (error instanceof LoginRefusedError)
      throw new UserError(`${what}: signing in as ${loginName} was refused (${error.message})`);
    throw error;
  }
}
