import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const cli = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', 'src/emulator/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });

async function output(child: ReturnType<typeof cli>, until: string): Promise<string> {
  let text = '';
  child.stdout.on('data', (chunk) => (text += chunk));
  child.stderr.on('data', (chunk) => (text += chunk));
  while (!text.includes(until)) {
    if (child.exitCode !== null) throw new Error(text);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return text;
}

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

/** A port that is free now, with the next two free as well. */
async function freeRun(): Promise<number> {
  for (;;) {
    const probe = await listen(0);
    const port = (probe.address() as { port: number }).port;
    probe.close();
    if (port > 65000) continue;
    try {
      const held = [await listen(port), await listen(port + 1), await listen(port + 2)];
      for (const server of held) server.close();
      return port;
    } catch {
      /* taken: try another */
    }
  }
}

describe('npm run emulator options', () => {
  it('--help describes every option', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/emulator/cli.ts', '--help'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    for (const option of ['--port', '--host', '--records', '--seed', '--access-token-ttl', '--rotate', '--daily-api-limit', '--help']) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+(-h, )?${option}\\b.*\\S.{10,}`, 'm'));
    }
  });

  it('puts SANDBOX on the port after --port, or the first free one after it', async () => {
    const port = await freeRun();
    const first = cli(['--port', String(port), '--records', '5']);
    const text = await output(first, 'controls:');
    expect(text).toMatch(new RegExp(`PRODUCTION\\s+login URL http://127\\.0\\.0\\.1:${port}\\s`));
    expect(text).toMatch(new RegExp(`SANDBOX\\s+login URL http://127\\.0\\.0\\.1:${port + 1}\\s`));
    first.kill('SIGTERM');
    await once(first, 'exit');

    const blocker = await listen(port + 1);
    const second = cli(['--port', String(port), '--records', '5']);
    const again = await output(second, 'controls:');
    expect(again).toMatch(new RegExp(`SANDBOX\\s+login URL http://127\\.0\\.0\\.1:${port + 2}\\s`));
    second.kill('SIGTERM');
    await once(second, 'exit');
    blocker.close();
  });
});
