import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual, type DecipherGCM } from 'node:crypto';
import { Transform } from 'node:stream';
import { decrypt } from '../crypto.ts';

const ALGORITHM = 'aes-256-gcm';
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES;

// Records: a page of them encrypted in one AES-256-CTR pass, each authenticated by its own digest.
const RECORD_VERSION = 2;
const BLOCK_BYTES = 16;
const RECORD_HEADER_BYTES = 1 + BLOCK_BYTES + TAG_BYTES;

/**
 * One organisation's keys for its backed-up data: contents sealed with AES-256-GCM, and a keyed
 * digest (HMAC-SHA-256) that deduplicates equal contents without telling anyone else they are equal.
 */
export interface OrganisationCipher {
  /**
   * Seals a page of one object's records (their JSON) at once. Each gets its digest, of its object
   * and contents, which names the version and authenticates it, and its own sealed bytes:
   * `[2][counter block][first 16 bytes of the digest][ciphertext of "object\0json"]`.
   */
  sealRecords(object: string, contents: string[]): SealedRecords;
  /** The plain bytes of anything sealed (a record's JSON, a file); throws when they were altered. */
  open(sealed: Buffer): Buffer;
  digest(content: string | Buffer): string;
  /** Streams: a file sealed as it is written, in the same layout as `seal`. */
  sealStream(): { stream: Transform; digest: () => string };
  openStream(): Transform;
}

/**
 * Records sealed together: record i's sealed bytes are `bytes[bounds[2i], bounds[2i + 1])`, its
 * digest `digests[32i, 32i + 32)`. Few objects, so that they cross threads cheaply.
 */
export interface SealedRecords {
  bytes: Uint8Array;
  bounds: Uint32Array;
  digests: Uint8Array;
}

const DIGEST_BYTES = 32;

/** Record i's digest as stored: the name of its version. */
export const sealedDigest = (sealed: SealedRecords, i: number): string =>
  Buffer.from(sealed.digests.buffer, sealed.digests.byteOffset + DIGEST_BYTES * i, DIGEST_BYTES).toString('base64url');

/** Record i of a sealed page, as the database stores it. */
export const sealedBytes = (sealed: SealedRecords, i: number): Buffer =>
  Buffer.from(sealed.bytes.buffer, sealed.bytes.byteOffset + sealed.bounds[2 * i], sealed.bounds[2 * i + 1] - sealed.bounds[2 * i]);

/** The cipher of a data key as stored (wrapped by SECRET_KEY): for tools that read the database themselves. */
export const unwrapCipher = (secretKey: Buffer, wrappedKey: string): OrganisationCipher =>
  cipherFor(Buffer.from(decrypt(secretKey, wrappedKey), 'hex'));

// IVs are random, drawn from a pool refilled a thousand at a time: one call to the random source
// per record was a measurable share of a backup.
let ivPool = Buffer.alloc(0);
let ivOffset = 0;
function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_BYTES * 1024);
    ivOffset = 0;
  }
  return ivPool.subarray(ivOffset, (ivOffset += IV_BYTES));
}

/** The encryption key and the digest key, both derived from the organisation's data key. */
function cipherFor(dataKey: Buffer): OrganisationCipher {
  const contentKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'record contents', 32));
  const digestKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'deduplication digest', 32));
  const header = (iv: Buffer) => Buffer.concat([Buffer.of(VERSION), iv]);
  const decipher = (sealed: Buffer) => {
    if (sealed[0] !== VERSION) throw new Error('Unrecognised sealed data');
    return createDecipheriv(ALGORITHM, contentKey, sealed.subarray(1, HEADER_BYTES));
  };
  const mac = (content: string | Buffer) => createHmac('sha256', digestKey).update(content).digest();

  function openRecord(sealed: Buffer): Buffer {
    if (sealed.length < RECORD_HEADER_BYTES) throw new Error('Sealed record is truncated');
    const counter = sealed.subarray(1, 1 + BLOCK_BYTES);
    const tag = sealed.subarray(1 + BLOCK_BYTES, RECORD_HEADER_BYTES);
    const plain = createDecipheriv('aes-256-ctr', contentKey, counter).update(sealed.subarray(RECORD_HEADER_BYTES));
    if (!timingSafeEqual(mac(plain).subarray(0, TAG_BYTES), tag)) throw new Error('Sealed record was altered');
    return plain.subarray(plain.indexOf(0) + 1);
  }

  return {
    sealRecords(object, contents) {
      // Each record's ciphertext starts on a block boundary, so it is read alone from its counter block.
      const tagged = contents.map((json) => `${object}\0${json}`);
      const starts = new Uint32Array(tagged.length);
      const ends = new Uint32Array(tagged.length);
      let end = 0;
      tagged.forEach((text, i) => {
        starts[i] = Math.ceil((end + RECORD_HEADER_BYTES) / BLOCK_BYTES) * BLOCK_BYTES;
        ends[i] = end = starts[i] + Buffer.byteLength(text);
      });
      const page = Buffer.alloc(end);
      tagged.forEach((text, i) => page.write(text, starts[i]));
      const nonce = nextIv();
      const bytes = createCipheriv('aes-256-ctr', contentKey, Buffer.concat([nonce, Buffer.alloc(4)])).update(page);
      const bounds = new Uint32Array(2 * tagged.length);
      const digests = new Uint8Array(DIGEST_BYTES * tagged.length);
      tagged.forEach((_, i) => {
        const digest = mac(page.subarray(starts[i], ends[i]));
        const head = starts[i] - RECORD_HEADER_BYTES;
        bytes[head] = RECORD_VERSION;
        nonce.copy(bytes, head + 1);
        bytes.writeUInt32BE(starts[i] / BLOCK_BYTES, head + 1 + IV_BYTES);
        digest.copy(bytes, head + 1 + BLOCK_BYTES, 0, TAG_BYTES);
        digests.set(digest, DIGEST_BYTES * i);
        bounds[2 * i] = head;
        bounds[2 * i + 1] = ends[i];
      });
      return { bytes, bounds, digests };
    },
    open(sealed) {
      if (sealed[0] === RECORD_VERSION) return openRecord(sealed);
      const opener = decipher(sealed);
      opener.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([opener.update(sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES)), opener.final()]);
    },
    digest: (content) => mac(content).toString('base64url'),
    sealStream() {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, contentKey, iv);
      const mac = createHmac('sha256', digestKey);
      let started = false;
      const stream = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          mac.update(chunk);
          const sealed = cipher.update(chunk);
          done(null, started ? sealed : ((started = true), Buffer.concat([header(iv), sealed])));
        },
        flush(done) {
          const last = cipher.final();
          done(null, Buffer.concat([started ? Buffer.alloc(0) : header(iv), last, cipher.getAuthTag()]));
        },
      });
      return { stream, digest: () => mac.digest('hex') };
    },
    openStream() {
      // The tag is the last 16 bytes: each chunk's tail is held back until the next one comes.
      let opener: DecipherGCM | undefined;
      let pending = Buffer.alloc(0);
      return new Transform({
        transform(chunk: Buffer, _encoding, done) {
          pending = Buffer.concat([pending, chunk]);
          if (!opener) {
            if (pending.length < HEADER_BYTES) return done();
            opener = decipher(pending);
            pending = pending.subarray(HEADER_BYTES);
          }
          const usable = pending.length - TAG_BYTES;
          if (usable <= 0) return done();
          const out = opener.update(pending.subarray(0, usable));
          pending = pending.subarray(usable);
          done(null, out);
        },
        flush(done) {
          try {
            if (!opener || pending.length !== TAG_BYTES) throw new Error('Sealed file is truncated');
            opener.setAuthTag(pending);
            done(null, opener.final());
          } catch (error) {
            done(error as Error);
          }
        },
      });
    },
  };
}

/** Stored contents as text: sealed bytes opened, or the plain JSON of rows written before encryption at rest. */
export const openedText = (cipher: OrganisationCipher, data: Buffer | string): string => (typeof data === 'string' ? data : cipher.open(data).toString('utf8'));
