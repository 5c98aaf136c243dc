import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpgradeError } from '../../src/lib/errors.js';
import { httpRequest } from '../../src/lib/http.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    switch (request.url) {
      case '/json':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ version: '3.9.1', token: request.headers['kong-admin-token'] ?? null }));
        return;
      case '/echo':
        {
          let body = '';
          request.on('data', (chunk: Buffer) => (body += chunk));
          request.on('end', () => response.end(`${request.method} ${body}`));
        }
        return;
      case '/slow':
        // Answers only after every client gave up.
        setTimeout(() => response.end('late'), 5000).unref();
        return;
      case '/error':
        response.writeHead(500);
        response.end('database unreachable');
        return;
      case '/redirect':
        response.writeHead(302, { location: '/json' });
        response.end();
        return;
      case '/not-json':
        response.end('<html>');
        return;
      default:
        response.writeHead(404);
        response.end('no route');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('httpRequest', () => {
  it('sends method, headers and body and measures the time', async () => {
    const response = await httpRequest({ method: 'POST', url: `${base}/echo`, body: 'hello' });
    expect(response.status).toBe(200);
    expect(response.body).toBe('POST hello');
    expect(response.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('does not follow redirects', async () => {
    const response = await httpRequest({ url: `${base}/redirect` });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/json');
  });

  it('names the step and the URL on a timeout, never the headers', async () => {
    const url = `${base}/slow`;
    const error = await httpRequest(
      { url, headers: { 'Kong-Admin-Token': 'very-secret-token' }, timeoutMs: 200 },
      'smoke test',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpgradeError);
    expect((error as Error).message).toBe(`smoke test: GET ${url} failed: timed out`);
    expect((error as Error).message).not.toContain('very-secret-token');
  });

  it('names the transport failure when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    await expect(httpRequest({ url }, 'probe')).rejects.toThrow(`probe: GET ${url} failed: ECONNREFUSED`);
  });
});

