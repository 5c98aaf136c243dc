import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** A loopback server for release archives: path → body; counts requests. */
export async function releaseServer(files: Record<string, Buffer>): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const srv: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404).end('Not Found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, requests, close: () => new Promise((r) => srv.close(() => r())) };
}

/**
 * A fake `deck` in a tar.gz like GoReleaser's (binary at the root): `gateway dump` writes its
 * argv and whether DECK_HEADERS / DECK_KONG_ADDR arrived into the output file.
 */
export function fakeDeckArchive(work: string, version: string): Buffer {
  const src = path.join(work, `deck-src-${version}`);
  mkdirSync(src, { recursive: true });
  writeFileSync(
    path.join(src, 'deck'),
    `#!/bin/sh
out=""
prev=""
for a in "$@"; do [ "$prev" = "--output-file" ] && out="$a"; prev="$a"; done
[ "$1 $2" = "gateway dump" ] || { echo "unexpected: $*" >&2; exit 2; }
{ echo "_format_version: \\"3.0\\""; echo "# argv: $*"; echo "# addr: $DECK_KONG_ADDR"; echo "# headers: $DECK_HEADERS"; echo "# version: ${version}"; } > "$out"
`,
  );
  chmodSync(path.join(src, 'deck'), 0o755);
  writeFileSync(path.join(src, 'LICENSE'), 'Apache-2.0\n');
  const archive = path.join(work, `deck_${version}.tar.gz`);
  execFileSync('tar', ['-czf', archive, '-C', src, 'deck', 'LICENSE']);
  return readFileSync(archive);
}

