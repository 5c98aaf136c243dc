import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startNginx, type NginxServer } from './nginx.js';
import { until } from './until.js';

/** A tiny upstream answering its own name. */
async function backend(name: string): Promise<{ address: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function get(url: string): Promise<{ status: number; body: string; upstream: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), upstream: res.headers.get('x-nginx-upstream') };
}

describe('startNginx', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });

  it('serves through an upstream, reloads onto another, logs access and stops without leftovers', async () => {
    const blue = await backend('blue');
    const green = await backend('green');
    cleanup.push(blue.close, green.close);

    const nginx: NginxServer = await startNginx({ upstreams: [{ address: blue.address }] });
    cleanup.push(() => nginx.stop());
    expect(nginx.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const first = await get(`${nginx.url}/x`);
    expect(first).toEqual({ status: 200, body: 'blue', upstream: blue.address });

    await nginx.reload({ upstreams: [{ address: green.address }] });
    const after = await get(`${nginx.url}/x`);
    expect(after.body).toBe('green');
    expect(readFileSync(nginx.configPath, 'utf8')).toContain(green.address);

    // Weighted split: both backends answer.
    await nginx.reload({ upstreams: [{ address: blue.address, weight: 1 }, { address: green.address, weight: 1 }] });
    const bodies = new Set<string>();
    for (let i = 0; i < 10; i++) bodies.add((await get(`${nginx.url}/`)).body);
    expect([...bodies].sort()).toEqual(['blue', 'green']);

    // nginx writes the access log line after the response has gone out.
    await until(() => /"GET \/x HTTP\/1\.1" 200/.test(readFileSync(nginx.accessLog, 'utf8')));

    const pid = nginx.pid;
    await nginx.stop();
    expect(existsSync(nginx.dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(fetch(nginx.url)).rejects.toThrow();
    await nginx.stop(); // twice is fine
  });

  it('rejects a broken config on reload and keeps serving the old one', async () => {
    const blue = await backend('blue');
    cleanup.push(blue.close);
    const nginx = await startNginx({ upstreams: [{ address: blue.address }] });
    cleanup.push(() => nginx.stop());
    await expect(nginx.reload({ httpConfig: 'server { listen 127.0.0.1:{{PORT}}; bogus_directive on; }' })).rejects.toThrow(/config test failed/);
    expect((await get(nginx.url)).body).toBe('blue');
  });

  it('fails with nginx\'s own message when the config is invalid at start', async () => {
    await expect(startNginx({ httpConfig: 'server { listen 127.0.0.1:{{PORT}}; nope; }' })).rejects.toThrow(/unknown directive "nope"/);
  });
});
