import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { api, OPERATOR_TOKEN, ROOT, startServerProcess, tempDataDir } from './helpers.ts';

const run = promisify(execFile);

/** Runs the real `trailmark` CLI against a data directory. */
async function cli(dataDir: string, ...args: string[]) {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'apps/server/src/cli.ts'), ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TRAILMARK_DATA_DIR: dataDir,
        TRAILMARK_ADMIN_TOKEN: OPERATOR_TOKEN,
        TRAILMARK_DEMO: 'off',
        LOG_LEVEL: 'warn',
      },
    },
  );
  return stdout;
}

describe('trailmark CLI', () => {
  it('creates, lists and revokes keys that the server honours; runs retention', async () => {
    const dataDir = tempDataDir('trailmark-cli-');
    const created = JSON.parse(
      await cli(
        dataDir,
        'keys',
        'create',
        '--tenant',
        'acme',
        '--name',
        'ci uploader',
        '--scopes',
        'ingest,read',
      ),
    );
    expect(created.key).toMatch(/^tmk_/);
    expect(created.scopes).toEqual(['ingest', 'read']);
    const listed = JSON.parse(await cli(dataDir, 'keys', 'list', '--tenant', 'acme'));
    expect(listed.map((k: { id: string }) => k.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.key);

    const server = await startServerProcess({ dataDir });
    try {
      const post = await api(server.url, '/v1/events', {
        token: created.key,
        body: {
          source: 'cli-test',
          action: 'thing.created',
          occurred_at: new Date().toISOString(),
          actor: { type: 'user', id: 'u-1' },
          targets: [{ type: 'thing', id: 't-1' }],
          outcome: { result: 'success' },
        },
      });
      expect(post.status).toBe(201);
      expect((await api(server.url, '/v1/events', { token: created.key })).status).toBe(200);
      expect(await cli(dataDir, 'keys', 'revoke', created.id)).toContain(`revoked ${created.id}`);
      expect((await api(server.url, '/v1/events', { token: created.key })).status).toBe(401);
      const retention = JSON.parse(await cli(dataDir, 'retention', 'run'));
      expect(retention.tasks).toContainEqual(
        expect.objectContaining({ tenant: 'acme', source: 'cli-test', deleted: 0 }),
      );
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('rejects a bad scope with a clear message and a non-zero exit', async () => {
    const dataDir = tempDataDir('trailmark-cli-');
    const failure = await cli(
      dataDir,
      'keys',
      'create',
      '--tenant',
      'acme',
      '--name',
      'x',
      '--scopes',
      'root',
    ).catch((error: { code: number; stderr: string }) => error);
    expect(typeof failure).toBe('object');
    expect((failure as { code: number }).code).not.toBe(0);
    expect((failure as { stderr: string }).stderr).toContain('unknown scope(s) root');
  }, 60_000);
});

describe('trailmark CLI: where the data lives', () => {
  const bare = (cwd: string, ...args: string[]) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TRAILMARK_ADMIN_TOKEN: OPERATOR_TOKEN,
      TRAILMARK_DEMO: 'off',
      LOG_LEVEL: 'warn',
    };
    delete env.TRAILMARK_DATA_DIR;
    // tsx by path: the working directory is outside the repository, where `--import tsx` cannot resolve.
    const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    return run(process.execPath, ['--import', tsx, join(ROOT, 'apps/server/src/cli.ts'), ...args], {
      cwd,
      env,
    });
  };

  it('refuses to create a data directory silently, and says which one it opened', async () => {
    const empty = tempDataDir('trailmark-cli-cwd-');
    const refused = await bare(empty, 'keys', 'list').catch((e: { code: number; stderr: string }) => e);
    expect(refused, (refused as { stderr?: string }).stderr).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toContain(`no data directory at ${join(empty, 'data')}`);
    // Told where: it creates it, says so, and a second command opens the same one.
    const dataDir = join(empty, 'elsewhere');
    const created = await bare(
      empty,
      '--data-dir',
      dataDir,
      'keys',
      'create',
      '--tenant',
      'acme',
      '--name',
      'x',
      '--scopes',
      'read',
    );
    expect(created.stderr).toContain(`trailmark: data directory ${dataDir} (new, created now)`);
    const listed = await bare(empty, '--data-dir', dataDir, 'keys', 'list');
    expect(listed.stderr).toContain(`trailmark: data directory ${dataDir}\n`);
    expect(JSON.parse(listed.stdout).map((k: { id: string }) => k.id)).toEqual([
      JSON.parse(created.stdout).id,
    ]);
  }, 60_000);
});
