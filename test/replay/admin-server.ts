import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded answer: the status and the JSON body Kong sent. */
export interface RecordedAnswer {
  readonly status: number;
  readonly json: unknown;
}

export interface ReplayServer {
  readonly url: string;
  close(): Promise<void>;
}

const EMPTY_PAGE: RecordedAnswer = { status: 200, json: { data: [], next: null } };
const NOT_FOUND: RecordedAnswer = { status: 404, json: { message: 'Not found' } };
/** Admin API collections the plan's impact readers may list: empty pages, as a node without entities answers. */
const COLLECTIONS = /^\/(?:services|routes|plugins|consumers|upstreams|certificates|snis|ca_certificates|vaults|key_sets|keys|consumer_groups)(?:\?|$)/;

/**
 * A loopback server replaying a sample's recorded Admin API answers by path (the query string
 * aside; `*` answers every path), empty collections where a sample records none, and Kong's
 * 404 elsewhere (OSS has no /workspaces: the readers take that 404 for "no workspaces").
 */
export async function replayAdmin(answers: Readonly<Record<string, RecordedAnswer>>): Promise<ReplayServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const answer = answers['*'] ?? answers[path] ?? (COLLECTIONS.test(request.url ?? '') ? EMPTY_PAGE : NOT_FOUND);
    const body = JSON.stringify(answer.json);
    response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), server: 'kong/replay' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
