import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

describe('npm run emulator', () => {
  it('runs the emulator alone and prints its login URLs, connected app and demo users', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/cli.ts', '--port', '0', '--records', '10'], {
      cwd: new URL('../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    while (!output.includes('controls:')) {
      if (child.exitCode !== null) throw new Error(output);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(output).toMatch(/PRODUCTION\s+login URL http:\/\/127\.0\.0\.1:\d+\s+user admin@prod\.example\.com \/ emulator/);
    expect(output).toMatch(/SANDBOX\s+login URL http:\/\/127\.0\.0\.1:\d+\s+user admin@sandbox\.example\.com \/ emulator/);
    expect(output).toContain('client id emulator-client-id, secret emulator-client-secret');
    const url = /Salesforce emulator on (\S+)/.exec(output)![1];
    const counters = await (await fetch(`${url}/__emulator/counters`)).json();
    expect(counters.orgs.PRODUCTION.records.Account).toBe(10);
    child.kill('SIGTERM');
    expect((await once(child, 'exit'))[0]).toBe(0);
  });
});
