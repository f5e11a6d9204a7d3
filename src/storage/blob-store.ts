import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Files of backed-up records, stored by the SHA-256 of their content: one copy per distinct
 * content, whatever the number of records and snapshots holding it.
 */
export interface BlobStore {
  /** Streams the content in, hashing as it goes; nothing is held whole in memory. */
  write(source: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }>;
  read(sha256: string): Readable;
  has(sha256: string): boolean;
  /** Every stored file's name and when it was written, for retention to find files nothing names. */
  list(): { name: string; modifiedAt: number }[];
  remove(sha256: string): void;
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
export function createLocalBlobStore(dir: string): BlobStore {
  const temporary = join(dir, 'tmp');
  mkdirSync(temporary, { recursive: true });
  const pathOf = (sha256: string) => {
    if (!SHA256_HEX.test(sha256)) throw new Error(`Not a SHA-256 digest: ${sha256}`);
    return join(dir, sha256.slice(0, 2), sha256);
  };

  return {
    async write(source) {
      const hash = createHash('sha256');
      let size = 0;
      const file = join(temporary, randomUUID());
      try {
        await pipeline(
          source,
          async function* (chunks: AsyncIterable<Uint8Array>) {
            for await (const chunk of chunks) {
              hash.update(chunk);
              size += chunk.byteLength;
              yield chunk;
            }
          },
          createWriteStream(file),
        );
        const sha256 = hash.digest('hex');
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

    read: (sha256) => createReadStream(pathOf(sha256)),

    has: (sha256) => SHA256_HEX.test(sha256) && existsSync(pathOf(sha256)),

    list: () =>
      readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name))
        .flatMap((folder) => readdirSync(join(dir, folder.name)).filter((name) => SHA256_HEX.test(name)))
        .map((name) => ({ name, modifiedAt: statSync(pathOf(name)).mtimeMs })),

    remove: (sha256) => rmSync(pathOf(sha256), { force: true }),
  };
}
