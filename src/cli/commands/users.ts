/**
 * `ecspert user …`: users and their API tokens from the command line, for the first administrator
 * on a fresh database and for whoever runs the server: add (a password prompted for on a terminal,
 * else generated, printed once), list, disable, enable, reset-password, token (printed once), tokens.
 * Changes are audited as `cli:<OS user>`.
 */
import os from 'node:os';
import readline from 'node:readline';
import type { Command } from 'commander';
import {
  AuthError,
  createApiToken,
  createUser,
  listApiTokens,
  listUsers,
  resetPassword,
  ROLE_DESCRIPTIONS,
  ROLES,
  setUserDisabled,
} from '../../auth';
import { migrate } from '../../db';
import { action, createContext, UserError, withDatabase } from '../context';
import { printAll, withJson } from '../list';

function actor(): string {
  try {
    return `cli:${os.userInfo().username}`.slice(0, 100);
  } catch {
    return 'cli';
  }
}

/** A module refusal is one line for the user. */
async function asUserError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AuthError) throw new UserError(error.message);
    throw error;
  }
}

/** Asks for a password on a terminal without echoing it; empty: generate one. Null when not a terminal. */
async function promptPassword(login: string): Promise<string | null> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return null;
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      process.stdout.write(question);
      const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.includes('\n')) write.call(rl, '\n');
      };
      rl.question('', (answer) => {
        (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = write;
        resolve(answer);
      });
    });
  try {
    const first = await ask(`password for ${login} (empty: generate one): `);
    if (!first) return null;
    const second = await ask('the same again: ');
    if (first !== second) throw new UserError('the two passwords differ: nothing was created');
    return first;
  } finally {
    rl.close();
  }
}

function printPassword(login: string, password: string, generated: boolean): void {
  if (generated) console.log(`password: ${password}`);
  console.log(
    generated
      ? `  shown this once: hand it to ${login}, who signs in with POST /api/auth/login and may change it (POST /api/auth/password)`
      : `  ${login} signs in with the password given`,
  );
}

export function registerUserCommands(program: Command): void {
  const user = program
    .command('user')
    .description('users of the hub, their roles and API tokens (the first administrator too)');

  user
    .command('add <login>')
    .description(`add a user; roles: ${ROLES.map((r) => `${r} (${ROLE_DESCRIPTIONS[r]})`).join('; ')}`)
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--consultant <code>', 'the consultant a consultant login reads as (role consultant)')
    .option('--unit <code>', 'the unit a manager reads, with its sub-units (role manager)')
    .option('--name <display name>', 'the name shown for the user (default: the consultant’s, or the login)')
    .action(
      action(
        async (
          login: string,
          options: { role: string; consultant?: string; unit?: string; name?: string },
        ) => {
          const context = createContext();
          const password = (await promptPassword(login)) ?? undefined;
          await withDatabase(
            context,
            async (database) => {
              // The first administrator is often added to a database nothing has prepared yet.
              await migrate(database.db, database.dialect);
              const created = await asUserError(() =>
                createUser(
                  database,
                  {
                    login,
                    role: options.role,
                    consultantCode: options.consultant,
                    unitCode: options.unit,
                    displayName: options.name,
                    password,
                  },
                  actor(),
                ),
              );
              console.log(`user ${created.user.login} (${created.user.role}) added`);
              printPassword(created.user.login, created.password, created.generated);
            },
            { schema: 'as-is' },
          );
        },
      ),
    );

  withJson(
    user.command('list').description('every user with their role and whether they are disabled'),
  ).action(
    action(async (o: { json?: boolean }) => {
      const context = createContext();
      await withDatabase(context, async (database) => {
        const users = await listUsers(database);
        if (!users.length && !o.json) {
          console.log(
            'no users yet: add the first administrator with `ecspert user add admin --role administrator`',
          );
          return;
        }
        printAll(o, users, (u) =>
          [
            u.login.padEnd(20),
            u.role.padEnd(14),
            u.consultantCode ? `consultant ${u.consultantCode}` : u.unitCode ? `unit ${u.unitCode}` : '',
            u.disabled ? 'DISABLED' : '',
            u.displayName,
          ]
            .filter(Boolean)
            .join('  '),
        );
      });
    }),
  );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    user
      .command(`${verb} <login>`)
      .description(
        disabled
          ? 'disable a user: their sessions end and their API tokens stop working'
          : 'enable a disabled user again',
      )
      .action(
        action(async (login: string) => {
          const context = createContext();
          await withDatabase(context, async (database) => {
            const changed = await asUserError(() => setUserDisabled(database, login, disabled, actor()));
            console.log(`user ${changed.login} ${disabled ? 'disabled' : 'enabled'}`);
          });
        }),
      );
  }

  user
    .command('reset-password <login>')
    .description(
      'set a new password (prompted for on a terminal, else generated, printed once); their sessions end',
    )
    .action(
      action(async (login: string) => {
        const context = createContext();
        const password = (await promptPassword(login)) ?? undefined;
        await withDatabase(context, async (database) => {
          const result = await asUserError(() => resetPassword(database, login, actor(), password));
          console.log(`password of ${result.user.login} set`);
          printPassword(result.user.login, result.password, result.generated);
        });
      }),
    );

  user
    .command('token <login>')
    .description('create a named API token for a program acting as the user; printed once, kept only hashed')
    .requiredOption('--name <name>', 'what the token is for, e.g. "nightly export"')
    .action(
      action(async (login: string, options: { name: string }) => {
        const context = createContext();
        await withDatabase(context, async (database) => {
          const created = await asUserError(() => createApiToken(database, login, options.name, actor()));
          console.log(`token ${created.id} "${created.name}" of ${login}:`);
          console.log(created.token);
          console.log('  shown this once: the program sends it as `Authorization: Bearer <token>`');
        });
      }),
    );

  withJson(
    user.command('tokens <login>').description('the API tokens of a user (never the tokens themselves)'),
  ).action(
    action(async (login: string, o: { json?: boolean }) => {
      const context = createContext();
      await withDatabase(context, async (database) => {
        const tokens = await listApiTokens(database, login);
        if (!tokens.length && !o.json) console.log(`${login} has no API tokens`);
        printAll(o, tokens, (t) =>
          [
            String(t.id).padStart(5),
            `${t.hint}…`,
            t.name,
            t.revokedAt ? `revoked ${t.revokedAt.toISOString()} by ${t.revokedBy}` : 'active',
            t.lastUsedAt ? `last used ${t.lastUsedAt.toISOString()}` : 'never used',
          ].join('  '),
        );
      });
    }),
  );
}
