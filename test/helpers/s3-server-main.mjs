// Runs fauxqs's S3 API in the foreground on the port and storage folder given (argv 2 and 3): a
// real S3-protocol server over HTTP, as a separate process the tests can watch and stop.
import { startFauxqs } from 'fauxqs';

const [port, dir] = process.argv.slice(2);
await startFauxqs({ port: Number(port), host: '127.0.0.1', s3StorageDir: dir, logger: false });
