import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataKeys } from '../services/data-keys.ts';

/**
 * Files of backed-up records, sealed with their organisation's data key (AES-256-GCM) and named
 * by its keyed digest (HMAC-SHA-256) of their content: one copy per distinct content within an
 * organisation, whatever the number of records and snapshots holding it, and a name that tells
 * nothing about the content.
 */
export interface BlobStore {
  /** Streams the content in, digesting and sealing as it goes; nothing is held whole in memory. */
  write(source: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }>;
  /** The content, opened. */
  read(sha256: string): Readable;
  has(sha256: string): boolean;
}

/** The blob stores of every organisation, in one folder. */
export interface BlobStores {
  forOrganisation(organisationId: string): BlobStore;
  /** Every stored file's name and when it was written, for retention to find files nothing names. */
  list(): { name: string; modifiedAt: number }[];
  remove(name: string): void;
}

/** How a stored record names a file: the value of its base64 field. */
export interface BlobRef {
  blob: string;
  size: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Blobs in a local folder, `<dir>/<first two hex digits>/<sha256>`. A write lands in a temporary
 * file first and is renamed into place once hashed, so a crash never leaves a partial blob under
 * its name.
 */
export function createLocalBlobStore(dir: string, dataKeys: Pick<DataKeys, 'forOrganisation'>): BlobStores {
  const temporary = join(dir, 'tmp');
  mkdirSync(temporary, { recursive: true });
  const pathOf = (sha256: string) => {
    if (!SHA256_HEX.test(sha256)) throw new Error(`Not a SHA-256 digest: ${sha256}`);
    return join(dir, sha256.slice(0, 2), sha256);
  };

  const storeOf = (organisationId: string): BlobStore => {
    // Asked when used: the data keys keep the organisation's, once read.
    const cipher = () => dataKeys.forOrganisation(organisationId);
    return {
      async write(source) {
        const { stream: seal, digest } = (await cipher()).sealStream();
        let size = 0;
        const file = join(temporary, randomUUID());
        try {
          await pipeline(
            source,
            async function* (chunks: AsyncIterable<Uint8Array>) {
              for await (const chunk of chunks) {
                size += chunk.byteLength;
                yield chunk;
              }
            },
            seal,
            createWriteStream(file, { mode: 0o600 }),
          );
          // Named by the organisation's keyed digest of the content (hex, as long as a SHA-256).
          const sha256 = digest();
          const target = pathOf(sha256);
          if (existsSync(target)) rmSync(file);
          else {
            mkdirSync(join(dir, sha256.slice(0, 2)), { recursive: true });
            renameSync(file, target);
          }
          return { sha256, size };
        } catch (error) {
          rmSync(file, { force: true });
          throw error;
        }
      },

      read(sha256) {
        const path = pathOf(sha256);
        // The key is read once per organisation and process; until then the stream waits for it.
        const opened = new PassThrough();
        // pipeline ends `opened` with the error of any stage, for its reader to see.
        cipher().then(
          (key) => pipeline(createReadStream(path), key.openStream(), opened).catch(() => undefined),
          (error: Error) => opened.destroy(error),
        );
        return opened;
      },

      has: (sha256) => SHA256_HEX.test(sha256) && existsSync(pathOf(sha256)),
    };
  };

  const stores = new Map<string, BlobStore>();
  return {
    forOrganisation(organisationId) {
      let store = stores.get(organisationId);
      if (!store) stores.set(organisationId, (store = storeOf(organisationId)));
      return store;
    },

    list: () =>
      readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name))
        .flatMap((folder) => readdirSync(join(dir, folder.name)).filter((name) => SHA256_HEX.test(name)))
        .map((name) => ({ name, modifiedAt: statSync(pathOf(name)).mtimeMs })),

    remove: (name) => rmSync(pathOf(name), { force: true }),
  };
}
