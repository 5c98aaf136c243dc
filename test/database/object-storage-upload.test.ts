import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ObjectStore, UploadedPart } from '../../src/database/object-storage/client.js';
import { partSize, uploadStream } from '../../src/database/object-storage/upload.js';

// uploadStream's part loop against a store in memory that answers each part late: the parts are
// cut where S3 needs them, carry their own bytes however the part buffers are reused, and never
// more than two are on the wire.

/** A store that copies each part's bytes when it is asked and again when it answers, a tick later. */
function lateStore() {
  const parts = new Map<number, { atCall: Buffer; atAnswer?: Buffer }>();
  let inFlight = 0;
  let mostInFlight = 0;
  const store = {
    settings: { checksum: 'SHA256' },
    createUpload: async () => 'upload-1',
    uploadPart: async (_location: unknown, _id: string, partNumber: number, body: Buffer, sha256: string): Promise<UploadedPart> => {
      const seen = { atCall: Buffer.from(body) } as { atCall: Buffer; atAnswer?: Buffer };
      parts.set(partNumber, seen);
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.atAnswer = Buffer.from(body);
      inFlight--;
      return { partNumber, etag: `"${partNumber}"`, checksumSHA256: createHash('sha256').update(body).digest('base64') === sha256 ? sha256 : 'wrong' };
    },
    completeUpload: async () => undefined,
    abortUpload: async () => true,
    delete: async () => {},
  };
  return { store: store as unknown as ObjectStore, parts, mostInFlight: () => mostInFlight };
}

/** `total` bytes of a pattern that differs at every offset mod 251, in chunks of `chunk` bytes. */
function pattern(total: number, chunk: number): { source: Readable; bytes: Buffer } {
  const bytes = Buffer.alloc(total);
  for (let i = 0; i < total; i++) bytes[i] = (i * 7 + (i >> 13)) % 251;
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < total; offset += chunk) chunks.push(bytes.subarray(offset, offset + chunk));
  return { source: Readable.from(chunks), bytes };
}

describe('uploadStream', () => {
  it('cuts parts of partSize (the last shorter) that hold their own bytes while buffers are reused', async () => {
    const total = 5 * partSize(1) + 12_345;
    const { source, bytes } = pattern(total, 100_003); // chunks that straddle part boundaries
    const { store, parts, mostInFlight } = lateStore();
    const result = await uploadStream({
      store, location: { bucket: 'b', key: 'k' }, source, contentType: 'application/octet-stream', producerDone: Promise.resolve(), signal: new AbortController().signal,
    });
    expect(result.parts).toBe(6);
    expect(result.sizeBytes).toBe(total);
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(result.storeChecksum).toBe('matched');
    expect(result.completeMs).toBeGreaterThanOrEqual(0);
    for (let n = 1; n <= 6; n++) {
      const part = parts.get(n)!;
      const expected = bytes.subarray((n - 1) * partSize(1), Math.min(n * partSize(1), total));
      expect(part.atCall.equals(expected), `part ${n} as sent`).toBe(true);
      expect(part.atAnswer!.equals(expected), `part ${n} until the store answered`).toBe(true);
    }
    expect(mostInFlight()).toBe(2);
  });

  it('sends one empty part for an empty stream', async () => {
    const { store, parts } = lateStore();
    const result = await uploadStream({
      store, location: { bucket: 'b', key: 'k' }, source: Readable.from([]), contentType: 'application/octet-stream', producerDone: Promise.resolve(), signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ parts: 1, sizeBytes: 0 });
    expect(parts.get(1)!.atCall.length).toBe(0);
  });
});
