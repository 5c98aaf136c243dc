// A lean S3 endpoint for bench/backup.mjs (d), run as its own process: `node bench/s3-sink.mjs
// <folder>` prints its port. It does what a store must do for each part of a multipart upload,
// and no more: reads the body, refuses it unless its SHA-256 is the x-amz-checksum-sha256 sent,
// writes it to a file and syncs it; CompleteMultipartUpload records the part list, as MinIO
// does, instead of joining the parts into a second copy (the tests' server, fauxqs, hashes every
// part again and writes the whole object once more on completion, on the runner's own cores).
// It answers only what backup-db asks of a store when it writes a backup: ListObjectsV2 (is the
// prefix empty), CreateMultipartUpload, UploadPart, CompleteMultipartUpload, PutObject,
// AbortMultipartUpload. Not a store: nothing can be read back.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const folder = process.argv[2];
if (!folder) throw new Error('usage: node bench/s3-sink.mjs <folder>');
mkdirSync(folder, { recursive: true });
let files = 0;

const xml = (response, status, body) => {
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
};

/** The body, hashed as it arrives, written to a file of its own and synced. */
async function keep(request) {
  const hash = createHash('sha256');
  const file = await open(path.join(folder, `part-${++files}`), 'w');
  let size = 0;
  try {
    for await (const chunk of request) {
      hash.update(chunk);
      size += chunk.length;
      await file.write(chunk);
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return { sha256: hash.digest('base64'), size };
}

const server = http.createServer(async (request, response) => {
  try {
    const url = new URL(request.url, 'http://sink');
    const query = url.searchParams;
    if (request.method === 'GET' && query.get('list-type') === '2') {
      return xml(response, 200, `<ListBucketResult><Name>${url.pathname.split('/')[1]}</Name><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`);
    }
    if (request.method === 'POST' && query.has('uploads')) {
      return xml(response, 200, `<InitiateMultipartUploadResult><UploadId>upload-${files}</UploadId></InitiateMultipartUploadResult>`);
    }
    if (request.method === 'POST' && query.has('uploadId')) {
      for await (const _ of request); // the part list: recorded, nothing joined
      return xml(response, 200, '<CompleteMultipartUploadResult><ETag>"sink"</ETag></CompleteMultipartUploadResult>');
    }
    if (request.method === 'DELETE') {
      response.writeHead(204).end();
      return;
    }
    if (request.method === 'PUT') {
      const sent = request.headers['x-amz-checksum-sha256'];
      const { sha256, size } = await keep(request);
      if (sent !== undefined && sent !== sha256) return xml(response, 400, '<Error><Code>BadDigest</Code><Message>The SHA256 you specified did not match the calculated checksum.</Message></Error>');
      response.writeHead(200, { etag: `"${size}-${files}"`, ...(sent !== undefined && { 'x-amz-checksum-sha256': sha256 }) }).end();
      return;
    }
    xml(response, 501, '<Error><Code>NotImplemented</Code></Error>');
  } catch (error) {
    xml(response, 500, `<Error><Code>InternalError</Code><Message>${String(error)}</Message></Error>`);
  }
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
