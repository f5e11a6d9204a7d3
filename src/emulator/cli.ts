import { parseArgs } from 'node:util';
import { startEmulator } from './index.ts';

const USAGE = `Usage: npm run emulator -- [options]

Runs the Salesforce emulator alone: two orgs (PRODUCTION and SANDBOX), a connected app, controls.

Options:
  --port <n>              PRODUCTION's port (default 4100); SANDBOX takes the next free port after
                          it. 0: both ports chosen by the system.
  --host <address>        interface to listen on (default 127.0.0.1)
  --records <n>           generated records per object in each org (default 1000)
  --seed <n>              seed of the generated data: the same seed gives the same records (default 0)
  --access-token-ttl <s>  seconds an access token lives before INVALID_SESSION_ID (default 7200)
  --rotate                issue a new refresh token on every refresh (default: keep it)
  --daily-api-limit <n>   API calls each org allows per day before REQUEST_LIMIT_EXCEEDED (default 15000)
  -h, --help              print this help`;

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
