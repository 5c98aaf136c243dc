import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for GitHub's contents API (GET /repos/{owner}/{repo}/contents/{path}?ref=),
 * serving given files with ETags and 304s, so online plans run without reaching GitHub.
 * Keys are `owner/repo@ref:path`. Other REST endpoints answer from `api`, keyed `GET /path`
 * (no query): a status and a JSON body, as a test records them from GitHub's REST docs.
 */
export interface FakeGithub {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export async function startFakeGithub(files: Readonly<Record<string, string>>, api: Readonly<Record<string, ApiResponse>> = {}): Promise<FakeGithub> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${url.pathname}${url.search}`);
    const answer = api[`${req.method} ${url.pathname}`];
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/.exec(url.pathname);
    const key = match && `${match[1]}/${match[2]}@${url.searchParams.get('ref')}:${decodeURIComponent(match[3]!)}`;
    const body = key === null ? undefined : files[key];
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Not Found' }));
      return;
    }
    const etag = `"${body.length.toString(16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { etag, 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
