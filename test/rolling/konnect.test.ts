// The Konnect control plane view against a loopback server answering in the shapes of Konnect's
// control-planes API v2 (Kong/developer.konghq.com api-specs/konnect/control-planes-config/v2/
// openapi.yaml: list-nodes, get-expected-config-hash). Never run against Konnect itself: this
// proves the requests and the reading of those documented shapes, nothing more.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { konnectControlPlane } from '../../src/rolling/control-plane.js';

const TOKEN = 'kpat_PLANTED_0123456789';
const CP = '9f2d3a1e-5c1b-4b7e-8a6f-0c2d4e6f8a10';
const requests: { url: string; auth: string | undefined }[] = [];
let server: http.Server;
let api: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    const send = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: 'Unauthorized' });
    if (req.url === `/v2/control-planes/${CP}/nodes?page[size]=100`) {
      return send(200, {
        items: [
          { id: 'n1', version: '3.10.0.2', hostname: 'dp-1', last_ping: 1_760_000_000, type: 'kong-proxy', config_hash: 'a'.repeat(32), compatibility_status: { state: 'COMPATIBILITY_STATE_FULLY_COMPATIBLE' } },
        ],
        page: { total_count: 2, next: `/v2/control-planes/${CP}/nodes?page[size]=100&page[after]=n1` },
      });
    }
    if (req.url === `/v2/control-planes/${CP}/nodes?page[size]=100&page[after]=n1`) {
      return send(200, { items: [{ id: 'n2', version: '3.11.0.0', hostname: 'dp-2', last_ping: 1_760_000_001, config_hash: '0'.repeat(32), compatibility_status: { state: 'COMPATIBILITY_STATE_INCOMPATIBLE' } }], page: { total_count: 2 } });
    }
    if (req.url === `/v2/control-planes/${CP}/expected-config-hash`) return send(200, { expected_hash: 'a'.repeat(32), created_at: 1, updated_at: 2 });
    return send(404, { message: 'Not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('Konnect control plane (from its OpenAPI description, not run against Konnect)', () => {
  it('pages the nodes with a bearer token, reads the expected hash, marks an incompatible node, and has no version of its own', async () => {
    const view = konnectControlPlane({ apiUrl: api, token: TOKEN, controlPlaneId: CP }, 5000);
    expect(await view.version()).toBeUndefined();
    expect(await view.expectedHash()).toBe('a'.repeat(32));
    expect(await view.dataPlanes()).toEqual([
      { id: 'n1', hostname: 'dp-1', version: '3.10.0.2', lastSeenMs: 1_760_000_000_000, configHash: 'a'.repeat(32), syncProblem: undefined },
      { id: 'n2', hostname: 'dp-2', version: '3.11.0.0', lastSeenMs: 1_760_000_001_000, configHash: '0'.repeat(32), syncProblem: 'compatibility COMPATIBILITY_STATE_INCOMPATIBLE' },
    ]);
    expect(requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(requests.every((r) => !r.url.includes(TOKEN))).toBe(true);
  });

  it('a refused token fails naming the status, never the token', async () => {
    const view = konnectControlPlane({ apiUrl: api, token: 'wrong', controlPlaneId: CP }, 5000);
    const error = (await view.dataPlanes().catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/answered 401/);
    expect(error.message).not.toContain('wrong');
  });
});
