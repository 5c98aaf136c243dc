#!/usr/bin/env node
// A `kong` that replays one sample of real Kong output (test/fixtures/replay/cli/*.yaml):
//   fake-kong.mjs <sample.yaml> <state-dir> <kong args…>
// `kong version` prints the sample's version line; `kong migrations <command>` prints the
// sample's next output for that command (stdout and stderr apart, as Kong writes them: info
// to stdout, warnings and `Error:` to stderr, kong/cmd/utils/log.lua and kong/cmd/init.lua),
// leaves the database in the state the sample says Kong left it, and exits with its code.
// A command replayed more often than the sample has outputs repeats its last one.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { clientFromKongEnv, writeDatabaseState } from './schema-meta.mjs';

const [sampleFile, stateDir, ...args] = process.argv.slice(2);
const sample = parse(readFileSync(sampleFile, 'utf8'));

if (args[0] === 'version') {
  process.stdout.write(`${sample.versionLine ?? sample.kong}\n`);
  process.exit(0);
}
if (args[0] !== 'migrations' || typeof args[1] !== 'string') {
  process.stderr.write(`fake kong: ${args.join(' ')} is not replayed by ${path.basename(sampleFile)}\n`);
  process.exit(1);
}
const command = args[1];
const outputs = sample.kong_output?.[command];
if (!Array.isArray(outputs) || outputs.length === 0) {
  process.stderr.write(`fake kong: ${path.basename(sampleFile)} has no output for 'kong migrations ${command}'\n`);
  process.exit(1);
}
const counter = path.join(stateDir, command);
const seen = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0;
writeFileSync(counter, String(seen + 1));
const output = outputs[Math.min(seen, outputs.length - 1)];

if (output.database !== undefined) {
  const client = clientFromKongEnv(process.env);
  await client.connect();
  try {
    await writeDatabaseState(client, output.database, output.lockTtlSeconds);
  } finally {
    await client.end();
  }
}
process.stdout.write(output.stdout ?? '');
process.stderr.write(output.stderr ?? '');
process.exitCode = output.exit;
