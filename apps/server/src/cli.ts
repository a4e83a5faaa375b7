import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES, type Role, SCOPES, type Scope } from '@trailmark/core';
import { Command, InvalidArgumentError } from 'commander';
import { cliCreateUser, cliResetLink } from './accounts/cli-users.ts';
import { publicUser } from './accounts/sessions.ts';
import { seedDemo } from './demo.ts';
import { type Config, loadConfig } from './env.ts';
import { createApiKey, parseCreateKey, publicKey } from './keys.ts';
import { runRetention } from './retention.ts';
import { buildDeps, startServer } from './server.ts';

function scopesOption(value: string): Scope[] {
  const scopes = value.split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length > 0)
    throw new InvalidArgumentError(`unknown scope(s) ${bad.join(', ')}; use ${SCOPES.join(', ')}`);
  return scopes as Scope[];
}

function roleOption(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`unknown role ${value}; use ${ROLES.join(', ')}`);
  return value as Role;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number');
  return n;
}

const program = new Command()
  .name('trailmark')
  .description('Trailmark: self-hosted audit logs. Reads its settings from the environment (see README).')
  .showHelpAfterError()
  .option('--data-dir <dir>', 'data directory to open (default: TRAILMARK_DATA_DIR, else ./data)');

/**
 * The configuration a command runs with. It says which data directory it opened (on stderr, so JSON
 * output stays clean), and a command other than `serve` refuses to create a new one silently: run in a
 * directory without `control.db` and without `--data-dir` or TRAILMARK_DATA_DIR, it stops instead of
 * writing a key nobody's server will ever read.
 */
function cliConfig(options: { creates?: boolean } = {}): Config {
  const flag = program.opts<{ dataDir?: string }>().dataDir;
  const config = loadConfig(flag ? { ...process.env, TRAILMARK_DATA_DIR: flag } : process.env);
  const told = Boolean(flag || process.env.TRAILMARK_DATA_DIR);
  const exists = existsSync(join(config.dataDir, 'control.db'));
  if (!exists && !told && !options.creates) {
    console.error(
      `trailmark: no data directory at ${config.dataDir} (no control.db there). Pass --data-dir <dir> or set TRAILMARK_DATA_DIR to the directory the server uses (it prints it on start), or to a new one to create it.`,
    );
    process.exit(2);
  }
  console.error(`trailmark: data directory ${config.dataDir}${exists ? '' : ' (new, created now)'}`);
  return config;
}

program
  .command('serve')
  .description('start the HTTP API (seeds demo data on a new data directory unless TRAILMARK_DEMO=off)')
  .action(async () => {
    const running = await startServer(cliConfig({ creates: true }));
    const stop = async (signal: string) => {
      console.log(`${signal} received, finishing in-flight writes...`);
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .requiredOption('--tenant <tenant>', 'tenant the key is bound to')
  .requiredOption('--name <name>', 'what the key is for')
  .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(',')}`, scopesOption)
  .option('--source <source>', 'restrict ingest to one source')
  .description('create a key; it is printed once and stored hashed')
  .action(async (opts: { tenant: string; name: string; scopes: Scope[]; source?: string }) => {
    const deps = await buildDeps(cliConfig());
    const created = createApiKey(deps.control, parseCreateKey(opts));
    console.log(JSON.stringify(created, null, 2));
    console.error('Store the key now: it cannot be shown again.');
    await deps.storage.close();
  });
keys
  .command('list')
  .option('--tenant <tenant>')
  .description('list keys (never the secrets)')
  .action(async (opts: { tenant?: string }) => {
    const deps = await buildDeps(cliConfig());
    console.log(JSON.stringify(deps.control.listApiKeys(opts.tenant).map(publicKey), null, 2));
    await deps.storage.close();
  });
keys
  .command('revoke <id>')
  .description('revoke a key; requests with it fail from now on')
  .action(async (id: string) => {
    const deps = await buildDeps(cliConfig());
    const ok = deps.control.revokeApiKey(id, new Date().toISOString());
    console.log(ok ? `revoked ${id}` : `no active key ${id}`);
    await deps.storage.close();
    if (!ok) process.exitCode = 1;
  });

const users = program.command('users').description('manage people (sign-in accounts)');
users
  .command('create')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .requiredOption('--role <role>', ROLES.join(', '), roleOption)
  .option('--tenant <tenant>', 'the tenant (all roles except operator)')
  .description('create a person and print a one-time link (24 h) where they choose their password')
  .action(async (opts: { email: string; name: string; role: Role; tenant?: string }) => {
    const config = cliConfig();
    const deps = await buildDeps(config);
    const origin = config.accounts.publicUrl ?? `http://localhost:${config.port}`;
    const { user, url } = cliCreateUser(deps, opts, origin);
    console.log(JSON.stringify(user, null, 2));
    console.error(`Hand this one-time link to ${user.email}: ${url}`);
    await deps.storage.close();
  });
users
  .command('list')
  .option('--tenant <tenant>')
  .description('list people (never their password hashes)')
  .action(async (opts: { tenant?: string }) => {
    const deps = await buildDeps(cliConfig());
    console.log(JSON.stringify(deps.control.listUsers(opts.tenant).map(publicUser), null, 2));
    await deps.storage.close();
  });
users
  .command('reset-password <email>')
  .description('print a one-time link (24 h) that sets a new password and ends every session')
  .action(async (email: string) => {
    const config = cliConfig();
    const deps = await buildDeps(config);
    const user = deps.control.findUserByEmail(email);
    if (!user) {
      console.error(`no user ${email}`);
      process.exitCode = 1;
    } else {
      const origin = config.accounts.publicUrl ?? `http://localhost:${config.port}`;
      console.log(cliResetLink(deps, user, origin));
    }
    await deps.storage.close();
  });

program
  .command('retention')
  .description('retention policy')
  .command('run')
  .description('purge events past their retention now and print what was deleted')
  .action(async () => {
    const deps = await buildDeps(cliConfig());
    console.log(JSON.stringify(await runRetention(deps), null, 2));
    await deps.storage.close();
  });

program
  .command('demo')
  .description('seed realistic demo events through the ingest path')
  .option('--events <n>', 'how many events', positiveInt, 200_000)
  .option('--days <n>', 'spread over the last N days', positiveInt, 180)
  .option('--seed <n>', 'random seed', positiveInt, 7)
  .action(async (opts: { events: number; days: number; seed: number }) => {
    const deps = await buildDeps(cliConfig());
    const started = Date.now();
    const result = await seedDemo(deps, opts);
    console.log(
      `stored ${result.stored} events in ${((Date.now() - started) / 1000).toFixed(1)}s`,
      result.bySource,
    );
    await deps.storage.close();
  });

program
  .command('backup <destination>')
  .description('online, consistent copy of the embedded event and control databases (safe while running)')
  .action(async (destination: string) => {
    const { backupSqlite } = await import('./backup.ts');
    await backupSqlite(cliConfig(), destination);
  });

program
  .command('migrate')
  .description('copy every event from the embedded store to OpenSearch, with progress, then verify counts')
  .requiredOption('--to <target>', 'only "opensearch"')
  .option('--batch <n>', 'events per batch', positiveInt, 1000)
  .action(async (opts: { to: string; batch: number }) => {
    const { migrateCommand } = await import('./migrate-command.ts');
    process.exitCode = await migrateCommand(cliConfig(), opts);
  });

program
  .command('verify')
  .description(
    'check the evidence log: recompute every leaf, check every checkpoint (signature, root, consistency); exit 1 on any damage',
  )
  .option('--tenant <tenant...>', 'only these tenants (default: all)')
  .option('--since <iso>', 're-hash only events appended after the last checkpoint before this time')
  .option('--json', 'print the full result as JSON')
  .action(async (opts: { tenant?: string[]; since?: string; json?: boolean }) => {
    const { verifyCommand } = await import('./evidence/verify-command.ts');
    process.exitCode = await verifyCommand(loadConfig(), opts);
  });

program
  .command('export-evidence')
  .description(
    'write a verifiable export of one tenant (events + inclusion proofs + signed checkpoint), checked offline by trailmark-verify',
  )
  .requiredOption('--tenant <tenant>')
  .requiredOption('--out <file>', 'NDJSON file to write')
  .option('--from-index <n>', 'first log index', positiveInt)
  .option('--to-index <n>', 'log index to stop before', positiveInt)
  .action(async (opts: { tenant: string; out: string; fromIndex?: number; toIndex?: number }) => {
    const deps = await buildDeps({ ...loadConfig(), demo: false });
    if (!deps.evidence) throw new Error(`the ${deps.storage.name} store keeps no evidence log`);
    const { writeVerifiableExport } = await import('./evidence/export.ts');
    const written = await writeVerifiableExport(deps.evidence, deps.storage, opts.tenant, opts.out, {
      ...(opts.fromIndex !== undefined ? { from: opts.fromIndex } : {}),
      ...(opts.toIndex !== undefined ? { to: opts.toIndex } : {}),
    });
    console.log(
      `wrote ${written.rows} rows proven against the checkpoint of ${written.tree_size} leaves to ${opts.out}`,
    );
    console.log(`check it offline: npx trailmark-verify ${opts.out} --key '${deps.evidence.verifierKey}'`);
    await deps.storage.close();
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // A refused start (wrong OpenSearch password, untrusted certificate, unreadable CA file, bad setting) is one
  // line that says what to change, not a stack trace; LOG_LEVEL=debug shows the stack as well.
  console.error(`trailmark: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) console.error(error.stack);
  process.exit(1);
}
