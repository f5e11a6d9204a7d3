/**
 * The embedded emulator's state between runs of the service: each org's port, records and API
 * usage, and the live OAuth grants and sessions. Written to a temporary file and renamed into
 * place, so a crash leaves the previous state whole.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EnvironmentName, SavedOrg } from './org.ts';
import type { TokenDump } from './tokens.ts';

export interface SavedEmulator {
  version: 1;
  ports: Record<EnvironmentName, number>;
  orgs: Record<EnvironmentName, SavedOrg>;
  tokens: TokenDump;
}

export function readSavedEmulator(file: string): SavedEmulator | undefined {
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedEmulator;
  return saved.version === 1 ? saved : undefined;
}

export function writeSavedEmulator(file: string, state: SavedEmulator): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
  renameSync(temporary, file);
}
