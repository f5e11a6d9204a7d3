import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, type DecipherGCM } from 'node:crypto';
import { Transform } from 'node:stream';
import { decrypt } from '../crypto.ts';

const ALGORITHM = 'aes-256-gcm';
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES;

/**
 * One organisation's keys for its backed-up data: contents sealed with AES-256-GCM, and a keyed
 * digest (HMAC-SHA-256) that deduplicates equal contents without telling anyone else they are equal.
 */
export interface OrganisationCipher {
  /** `[version][iv][ciphertext][tag]` */
  seal(plaintext: string | Buffer): Buffer;
  open(sealed: Buffer): Buffer;
  digest(content: string | Buffer): string;
  /** Streams: a file sealed as it is written, in the same layout as `seal`. */
  sealStream(): { stream: Transform; digest: () => string };
  openStream(): Transform;
}

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
  return {
    seal(plaintext) {
      const iv = nextIv();
      const cipher = createCipheriv(ALGORITHM, contentKey, iv);
      const body = cipher.update(plaintext);
      const last = cipher.final();
      return Buffer.concat([header(iv), body, last, cipher.getAuthTag()]);
    },
    open(sealed) {
      const opener = decipher(sealed);
      opener.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([opener.update(sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES)), opener.final()]);
    },
    digest: (content) => createHmac('sha256', digestKey).update(content).digest('base64url'),
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
