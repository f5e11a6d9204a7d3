import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { copyToPostgres } from '../db/copy-to-postgres.ts';

const USAGE = `Usage: npm run db:copy-to-postgres -- --from <SQLite file> --to <postgres://…> [--data-dir <folder>]

Copies the service's SQLite database into a new, empty PostgreSQL database. Stop the service first.

Options:
  --from <file>        the SQLite file (the service's DATABASE_URL)
  --to <url>           the PostgreSQL database, empty: migrated, then filled in one transaction
  --data-dir <folder>  the service's DATA_DIR, when it was set (default: the SQLite file's folder)
  -h, --help           print this help`;

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values.from || !values.to) fail(`--from and --to are required\n${USAGE}`, 2);
  if (!/^postgres(?:ql)?:\/\//i.test(values.to) || !URL.canParse(values.to)) fail('--to must be a postgres:// URL', 2);
  const from = resolve(values.from);
  return { from, to: values.to, dataDir: resolve(values['data-dir'] ?? dirname(from)) };
}

/** The URL as it can be shown: its password, if any, left out. */
function shown(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** An error's message; a refused connection to every address of a host says nothing of itself. */
function reason(error: unknown): string {
  const { message, errors } = error as Error & { errors?: Error[] };
  return message || errors?.map((each) => each.message).join('; ') || String(error);
}

const { from, to, dataDir } = parseOptions();
try {
  const copied = await copyToPostgres(from, to);
  const width = Math.max(...copied.map(({ table }) => table.length));
  for (const { table, read, written } of copied) {
    console.log(`${table.padEnd(width)}  ${written}${written === read ? '' : ` (${read} in SQLite: versions are kept per organisation naming them; those no snapshot names are left out)`}`);
  }
  const keyFile = join(dataDir, 'secret.key');
  // The key itself is never printed: where it is, or which one it is.
  const generated = existsSync(keyFile);
  const secretKey = generated ? `"$(cat ${keyFile})"` : '<the SECRET_KEY the service ran with on SQLite>';
  console.log(`\nCopied. Start the service on PostgreSQL with the same key and data folder:\n  DATABASE_URL=${shown(to)} SECRET_KEY=${secretKey} DATA_DIR=${dataDir} npm start`);
  if (generated) console.log('(If the SQLite service ran with SECRET_KEY set, that key instead.)');
} catch (error) {
  fail(`Copy failed, no rows were written to PostgreSQL: ${reason(error)}`);
}
