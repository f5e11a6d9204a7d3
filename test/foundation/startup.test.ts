import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceArgs } from '../helpers/service-process.ts';

const root = new URL('../..', import.meta.url).pathname;

function runService(env: Record<string, string>) {
  const child = spawn(process.execPath, serviceArgs(), {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return {
    child,
    output: () => output,
    async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const match = output.match(pattern);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`Timed out waiting for ${pattern}; output: ${output}`);
    },
  };
}

describe('start-up', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('starts on a fresh data directory with the embedded emulator, prints the operator key once, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfbackup-start-'));
    dirs.push(dir);
    const dataDir = join(dir, 'data');
    const service = runService({ PORT: '0', DATABASE_URL: join(dataDir, 'backup.db') });
    const [, url] = await service.waitFor(/GraphQL API on (http:\/\/\S+)\/graphql/);
    const [, key] = await service.waitFor(/Operator API key \(shown once, keep it\): (\S+)/);
    expect(service.output()).toMatch(/embedded Salesforce emulator/);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ viewer { isOperator } }' }),
    });
    expect(await response.json()).toEqual({ data: { viewer: { isOperator: true } } });

    expect(existsSync(join(dataDir, 'backup.db'))).toBe(true);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(service.output()).not.toContain('refresh_token');

    service.child.kill('SIGTERM');
    const [code] = await once(service.child, 'exit');
    expect(code).toBe(0);

    // A second start keeps the key it already generated and shows none.
    const again = runService({ PORT: '0', DATABASE_URL: join(dataDir, 'backup.db') });
    await again.waitFor(/GraphQL API on/);
    expect(again.output()).not.toMatch(/Operator API key/);
    again.child.kill('SIGTERM');
    await once(again.child, 'exit');
  });

  it('says in one line, without a stack, that the port is busy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfbackup-start-'));
    dirs.push(dir);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const service = runService({ PORT: String(port), DATABASE_URL: join(dir, 'backup.db') });
    const [code] = await once(service.child, 'exit');
    blocker.close();
    expect(code).toBe(1);
    expect(service.output().trim().split('\n')).toEqual([`Invalid PORT: ${port} is already in use`]);
  });

  it('refuses a bad setting with one line naming the variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfbackup-start-'));
    dirs.push(dir);
    for (const [name, value] of [
      ['PORT', 'eighty'],
      ['SECRET_KEY', 'too-short'],
      ['SALESFORCE_LOGIN_URL_SANDBOX', 'not a url'],
    ]) {
      const service = runService({ [name]: value, DATABASE_URL: join(dir, 'backup.db') });
      const [code] = await once(service.child, 'exit');
      expect(code).toBe(1);
      const lines = service.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^Invalid ${name}: `));
    }
  });

  it('takes a PostgreSQL DATABASE_URL only with SECRET_KEY, which every process sharing the database must hold', async () => {
    const service = runService({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    const [code] = await once(service.child, 'exit');
    expect(code).toBe(1);
    expect(service.output().trim().split('\n')).toEqual(['Invalid SECRET_KEY: required with a PostgreSQL DATABASE_URL, the same on every process']);
    expect(existsSync(join(root, 'postgres:'))).toBe(false);
  });
});
