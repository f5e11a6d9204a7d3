import { parseArgs } from 'node:util';
import { startEmulator } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4100' },
    records: { type: 'string', default: '1000' },
    'access-token-ttl': { type: 'string', default: '7200' },
    rotate: { type: 'boolean', default: false },
  },
});

const emulator = await startEmulator({
  port: Number(values.port),
  records: Number(values.records),
  accessTokenTtlSeconds: Number(values['access-token-ttl']),
  rotateRefreshTokens: values.rotate,
});
console.log(`Salesforce emulator on ${emulator.url}`);
for (const org of Object.values(emulator.orgs)) {
  console.log(`  ${org.environment.padEnd(10)} login URL ${org.loginUrl}  user ${org.username} / ${org.password}  org ${org.orgId}`);
}
console.log(`  connected app: client id ${emulator.clientId}, secret ${emulator.clientSecret} (any loopback redirect URI)`);
console.log(`  controls: ${emulator.url}/__emulator/counters (see src/emulator/README.md)`);

const stop = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
