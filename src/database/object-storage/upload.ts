import { createHash } from 'node:crypto';
import { stepError } from '../../lib/errors.js';
import type { ObjectStore, UploadedPart } from './client.js';
import { formatS3Url, type ObjectLocation } from './location.js';

/**
 * The bytes to upload, chunk by chunk: a Readable, or a reader that hands out views of one
 * reused buffer (dump-pipe.ts). A chunk is valid until the next one is asked for: uploadStream
 * copies it into a part before it asks.
 */
export interface ChunkSource {
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
  /** Stops the source (a cancelled or failed upload); the pending wait for a chunk ends with `error`. */
  destroy(error?: Error): void;
}

export interface StreamUpload {
  readonly store: ObjectStore;
  readonly location: ObjectLocation;
  readonly source: ChunkSource;
  readonly contentType: string;
  /**
   * Settles when whatever writes `source` has ended well (pg_dump exited 0): the upload is
   * completed only then, and aborted if it rejects, so a dump that failed halfway never becomes
   * an object, however much of it was sent.
   */
  readonly producerDone: Promise<unknown>;
  readonly signal: AbortSignal;
  /** Called with the upload id before the first part is sent (the run's ledger records it). */
  readonly onStarted?: ((uploadId: string) => Promise<void>) | undefined;
  /** Told the bytes read so far, for progress lines. */
  readonly onBytes?: ((total: number) => void) | undefined;
}

export interface StreamUploadResult {
  /** Hex SHA-256 of every byte uploaded, in order: the object's, as the manifest records it. */
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly parts: number;
  /** What the store said of the parts' checksums: `matched` (it computed the same), `not reported` (it said nothing), `not asked` (s3-checksum none). */
  readonly storeChecksum: 'matched' | 'not reported' | 'not asked';
  /** How long the store took to join the parts once the last was sent (CompleteMultipartUpload): its work, after pg_dump's. */
  readonly completeMs: number;
}

/** 8 MiB parts, doubled every 1000 parts: S3 allows 10,000 parts of at least 5 MiB (but the last). */
const FIRST_PART_BYTES = 8 << 20;
const PARTS_PER_SIZE = 1000;
const MAX_PARTS = 10_000;
/** Parts sent at once: one on the wire while the next fills keeps the pipe from pg_dump moving. */
const PARTS_IN_FLIGHT = 2;

export function partSize(partNumber: number): number {
  return FIRST_PART_BYTES * 2 ** Math.floor((partNumber - 1) / PARTS_PER_SIZE);
}

/**
 * A multipart upload of a stream while it is written: nothing of it touches the disk. Each part
 * goes with its own SHA-256 (the store refuses a part whose bytes differ, with s3-checksum
 * SHA256), the whole stream's SHA-256 is computed on the way, and a store that answers with the
 * parts' checksums or the composite checksum must answer with ours. On any failure, or when
 * `signal` aborts, the upload is aborted: the store drops the parts and no object exists.
 */
export async function uploadStream(upload: StreamUpload): Promise<StreamUploadResult> {
  const { store, location, source } = upload;
  const uploadId = await store.createUpload(location, upload.contentType);
  const stop = new AbortController();
  // Destroying the source ends the wait for its next chunk: a cancelled job aborts the upload now,
  // not when pg_dump next writes.
  const onAbort = () => {
    stop.abort();
    source.destroy(stepError('object storage', 'upload cancelled'));
  };
  upload.signal.addEventListener('abort', onAbort, { once: true });
  const sent: Promise<UploadedPart>[] = [];
  const partSha256: string[] = [];
  const inFlight = new Set<Promise<UploadedPart>>();
  const whole = createHash('sha256');
  const buffers = new PartBuffers();
  let sizeBytes = 0;
  let part = buffers.take(partSize(1));
  let filled = 0;

  const send = async (): Promise<void> => {
    const partNumber = sent.length + 1;
    if (partNumber > MAX_PARTS) throw stepError('object storage', `the archive needs more than ${MAX_PARTS} parts`);
    const buffer = part;
    const body = buffer.subarray(0, filled);
    const sha256 = createHash('sha256').update(body).digest('base64');
    partSha256.push(sha256);
    const answered = store.uploadPart(location, uploadId, partNumber, body, sha256, stop.signal).then((answer) => {
      // The SDK is done with the bytes once the store has answered: the buffer takes a later part.
      buffers.give(buffer);
      if (answer.checksumSHA256 !== undefined && answer.checksumSHA256 !== sha256) {
        throw stepError('object storage', `part ${partNumber} of ${formatS3Url(location)} arrived with SHA-256 ${answer.checksumSHA256}, sent ${sha256}`);
      }
      return answer;
    });
    sent.push(answered);
    inFlight.add(answered);
    // Settled either way before it leaves the set; a rejection is seen by the race or Promise.all below.
    answered.then(() => inFlight.delete(answered), () => inFlight.delete(answered));
    if (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
    part = buffers.take(partSize(sent.length + 1));
    filled = 0;
  };

  try {
    await upload.onStarted?.(uploadId);
    for await (const bytes of source) {
      if (stop.signal.aborted) throw stepError('object storage', 'upload cancelled');
      whole.update(bytes);
      sizeBytes += bytes.length;
      upload.onBytes?.(sizeBytes);
      // Copied into the part at once: the chunk is valid only until the next is asked for
      // (ChunkSource). Holding a part's worth of chunks until it was sent, then joining them,
      // also kept the collector busy enough to stall pg_dump (bench/backup.mjs, d).
      for (let offset = 0; offset < bytes.length; ) {
        const copied = bytes.copy(part, filled, offset);
        filled += copied;
        offset += copied;
        if (filled === part.length) await send();
      }
    }
    // The last part may be short; an empty stream is one empty part (S3 completes no upload of none).
    if (filled > 0 || sent.length === 0) await send();
    const parts = await Promise.all(sent);
    await upload.producerDone;
    if (stop.signal.aborted) throw stepError('object storage', 'upload cancelled');
    const completing = performance.now();
    const reported = await store.completeUpload(location, uploadId, parts, partSha256);
    const completeMs = performance.now() - completing;
    const composed = store.settings.checksum === 'none' ? 'not asked' : checkComposite(reported, partSha256);
    if (composed === 'mismatch') {
      await store.delete(location).catch(() => {});
      throw stepError('object storage', `${formatS3Url(location)}: the store's checksum of the parts (${reported}) is not the one of what was sent (${composite(partSha256)}); the object was deleted`);
    }
    // Without a composite checksum, parts that each answered with theirs (checked above) vouch for the object.
    const storeChecksum = composed === 'not reported' && parts.every((p) => p.checksumSHA256 !== undefined) ? 'matched' : composed;
    return { sha256: whole.digest('hex'), sizeBytes, parts: parts.length, storeChecksum, completeMs };
  } catch (error) {
    stop.abort();
    source.destroy();
    await Promise.allSettled(sent);
    await store.abortUpload(location, uploadId).catch(() => {});
    throw error;
  } finally {
    upload.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The few part-sized buffers an upload fills in turn (one filling, PARTS_IN_FLIGHT on the wire):
 * a part's buffer is reused once the store has answered for it, instead of a fresh one per part.
 */
class PartBuffers {
  private readonly free: Buffer[] = [];

  take(size: number): Buffer {
    const index = this.free.findIndex((buffer) => buffer.length === size);
    // Parts only grow (partSize): a smaller free buffer will never fit again.
    if (index < 0) this.free.length = 0;
    return index < 0 ? Buffer.allocUnsafeSlow(size) : this.free.splice(index, 1)[0]!;
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
  }
}

/** S3's checksum of a multipart object: the SHA-256 of the parts' SHA-256s, `-` and their count. */
export function composite(partSha256: readonly string[]): string {
  const digests = Buffer.concat(partSha256.map((sha) => Buffer.from(sha, 'base64')));
  return `${createHash('sha256').update(digests).digest('base64')}-${partSha256.length}`;
}

function checkComposite(reported: string | undefined, partSha256: readonly string[]): 'matched' | 'not reported' | 'mismatch' {
  if (reported === undefined) return 'not reported';
  // A store may answer without the count, or (one part) with the part's own checksum.
  const expected = composite(partSha256);
  const accepted = [expected, expected.replace(/-\d+$/, ''), ...(partSha256.length === 1 ? [partSha256[0]!] : [])];
  return accepted.includes(reported) ? 'matched' : 'mismatch';
}
