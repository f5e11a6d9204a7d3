import { parseArgs } from 'node:util';
import { startEmulator } from './index.ts';

const USAGE = `Usage: npm run emulator -- [--port 4100] [--host 127.0.0.1] [--records 1000] [--seed 0]
       [--access-token-ttl 7200] [--rotate] [--daily-api-limit 15000]`;

function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const OPTIONS = {
  port: { type: 'string', default: '4100' },
  host: { type: 'string', default: '127.0.0.1' },
  records: { type: 'string', default: '1000' },
  seed: { type: 'string', default: '0' },
  'access-token-ttl': { type: 'string', default: '7200' },
  rotate: { type: 'boolean', default: false },
  'daily-api-limit': { type: 'string', default: '15000' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({ options: OPTIONS });
  } catch (error) {
    usageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: keyof typeof values) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < 0) usageError(`--${name} must be a non-negative number`);
    return value;
  };
  return {
    port: number('port'),
    host: values.host,
    records: number('records'),
    seed: number('seed'),
    accessTokenTtlSeconds: number('access-token-ttl'),
    rotateRefreshTokens: values.rotate,
    dailyApiLimit: number('daily-api-limit'),
  };
}

const started = Date.now();
const emulator = await startEmulator(parseOptions());
console.log(`Salesforce emulator on ${emulator.url} (ready in ${Date.now() - started} ms)`);
for (const org of Object.values(emulator.orgs)) {
  console.log(`  ${org.environment.padEnd(10)} login URL ${org.loginUrl}  user ${org.username} / ${org.password}  org ${org.orgId}`);
}
console.log(`  connected app: client id ${emulator.clientId}, secret ${emulator.clientSecret} (any loopback redirect URI)`);
console.log(`  controls: ${emulator.url}/__emulator/counters (see src/emulator/README.md)`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the emulator`);
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
