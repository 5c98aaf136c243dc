// An S3-protocol server for the object-storage tests: fauxqs (npm) in its own process, its objects
// as files in a temp folder (so a test can damage one the way a disk or an attacker would).
import path from 'node:path';
import { startDaemon, tempDir, type Daemon } from './daemon.ts';
import { REPO_ROOT } from './paths.ts';

export interface S3Server {
  readonly endpoint: string;
  readonly daemon: Daemon;
  /** Where the server keeps its objects: `buckets/<bucket>/objects/<key>.data`. */
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  const dir = tempDir('s3-server-');
  const daemon = await startDaemon({
    name: 'S3 server (fauxqs)',
    binary: process.execPath,
    dir,
    configure: (port) => [path.join(REPO_ROOT, 'test/helpers/s3-server-main.mjs'), String(port), path.join(dir, 'store')],
    portTaken: /EADDRINUSE/,
    stopSignal: 'SIGTERM',
  });
  return { endpoint: `http://127.0.0.1:${daemon.port}`, daemon, dir: path.join(dir, 'store'), stop: () => daemon.stop() };
}
