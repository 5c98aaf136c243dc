import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A fake `nodetool` whose output follows Cassandra's own source (apache/cassandra,
 * src/java/org/apache/cassandra/tools/nodetool/Snapshot.java and ListSnapshots.java; the table
 * header is SnapshotDetailsTabularData.ITEM_NAMES, laid out by nodetool/formatter/TableBuilder:
 * one space between columns, each padded to its widest cell). It keeps the snapshots it took in
 * a state folder and logs its argv, one line per call.
 */
export function writeFakeNodetool(dir: string): { path: string; log: string } {
  const state = path.join(dir, 'state');
  mkdirSync(state, { recursive: true });
  const log = path.join(dir, 'argv.log');
  const script = path.join(dir, 'nodetool');
  writeFileSync(
    script,
    `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, args.join(' ') + '\\n');
const opt = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
const host = opt('-h') ?? '127.0.0.1';
const port = opt('-p') ?? '7199';
if (host.startsWith('down')) {
  // NodeProbe's connect failure as nodetool prints it (NodeTool.java, printed to stderr, exit 1).
  process.stderr.write("nodetool: Failed to connect to '" + host + ":" + port + "' - ConnectException: 'Connection refused (Connection refused)'.\\n");
  process.exit(1);
}
if (opt('-pwf') !== undefined) {
  const [user, password] = fs.readFileSync(opt('-pwf'), 'utf8').trim().split(' ');
  if (user !== opt('-u') || password !== 'jmx-secret-99') { process.stderr.write('nodetool: Failed to connect to \\'' + host + ':' + port + '\\' - SecurityException: \\'Authentication failed! Invalid username or password\\'.\\n'); process.exit(1); }
}
const words = args.filter((a, i) => !a.startsWith('-') && !['-h', '-p', '-u', '-pwf', '-t'].includes(args[i - 1]));
const command = words[0];
const file = ${JSON.stringify(state)} + '/' + host + '.json';
const taken = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
const TABLES = ['services', 'routes', 'consumers', 'plugins', 'schema_meta'];
if (command === 'snapshot') {
  const tag = opt('-t') ?? String(Date.now());
  const keyspaces = words.slice(1);
  if (keyspaces.includes('nokong')) {
    process.stderr.write('error: Keyspace nokong does not exist\\n-- StackTrace --\\njava.io.IOException: Keyspace nokong does not exist\\n');
    process.exit(2);
  }
  // Snapshot.java: sb "Requested creating snapshot(s) for " + "[" + join(keyspaces, ", ") + "]" + " with snapshot name [" + tag + "]" + " and options " + options
  console.log('Requested creating snapshot(s) for [' + keyspaces.join(', ') + '] with snapshot name [' + tag + '] and options {skipFlush=false}');
  for (const ks of keyspaces) for (const t of TABLES) taken.push([tag, ks, t]);
  fs.writeFileSync(file, JSON.stringify(taken));
  console.log('Snapshot directory: ' + tag);
} else if (command === 'listsnapshots') {
  console.log('Snapshot Details: ');
  const rows = [['old-1', 'system_auth', 'roles'], ...taken].map(([s, ks, t], i) => [s, ks, t, (i * 1.5).toFixed(2) + ' KiB', (4 + i).toFixed(2) + ' KiB']);
  if (rows.length === 0) { console.log('There are no snapshots'); process.exit(0); }
  const table = [['Snapshot name', 'Keyspace name', 'Column family name', 'True size', 'Size on disk'], ...rows];
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join(' '));
  console.log('\\nTotal TrueDiskSpaceUsed: 12.34 KiB\\n');
} else {
  process.stderr.write('nodetool: Found unexpected parameters: ' + words.join(', ') + '\\n');
  process.exit(1);
}
`,
  );
  chmodSync(script, 0o755);
  return { path: script, log };
}

