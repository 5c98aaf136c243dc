export const id = 797;
export const ids = [797];
export const modules = {

/***/ 2797:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   cassandraRestoreSteps: () => (/* binding */ cassandraRestoreSteps),
/* harmony export */   snapshotCassandra: () => (/* binding */ snapshotCassandra)
/* harmony export */ });
/* unused harmony export parseListSnapshots */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8161);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var _lib_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1469);
/* harmony import */ var _lib_exec_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8511);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(3387);
/* harmony import */ var _lib_time_stamp_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(7121);







/**
 * Cassandra (Kong ≤ 3.3; removed in 3.4.0.0): `nodetool snapshot` of Kong's keyspace on every
 * node given, the snapshot folders read back with `nodetool listsnapshots`, and a manifest.
 * Kept small on purpose: every Kong line that ran on Cassandra is past end of life. A snapshot
 * is hard links on each node's own disk, taken node by node (not one consistent cut across the
 * cluster), so the manifest says where the files are and the summary how to copy them off and
 * restore them; nothing is copied here.
 *
 * nodetool's output, from apache/cassandra src/java/org/apache/cassandra/tools/nodetool/:
 *   Snapshot.java       "Requested creating snapshot(s) for [<ks>] with snapshot name [<tag>] and
 *                       options {skipFlush=false}", then "Snapshot directory: <tag>"
 *   ListSnapshots.java  "Snapshot Details: ", then a TableBuilder table whose header row is
 *                       SnapshotDetailsTabularData's ITEM_NAMES ("Snapshot name", "Keyspace
 *                       name", "Column family name", "True size", "Size on disk"; 4.1+ adds
 *                       "Creation time" and "Expiration time"), then "Total TrueDiskSpaceUsed: …";
 *                       or "There are no snapshots".
 */
const CASSANDRA_MANIFEST_SCHEMA = 'kong-upgrade/backup-manifest@1';
async function snapshotCassandra(options) {
    const log = options.log ?? (() => { });
    const startedAt = new Date();
    const tag = options.tag ?? `kong-upgrade-${(0,_lib_time_stamp_js__WEBPACK_IMPORTED_MODULE_6__/* .timeStamp */ .l)(startedAt)}`;
    const folder = node_path__WEBPACK_IMPORTED_MODULE_2__.resolve(options.backupDir, `kong-cassandra-${options.keyspace}-${tag}`);
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)(folder, { recursive: true }).catch((error) => {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('backup-dir', `cannot create ${folder}: ${error.message}`, error);
    });
    // JMX credentials: nodetool reads them from a file (-pwf), which keeps the password off argv.
    const secrets = options.jmx ? await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_2__.join(options.workDir ?? node_os__WEBPACK_IMPORTED_MODULE_1__.tmpdir(), 'nodetool-')) : undefined;
    try {
        const auth = [];
        if (options.jmx && secrets) {
            const file = node_path__WEBPACK_IMPORTED_MODULE_2__.join(secrets, 'jmxremote.password');
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.writeFile)(file, `${options.jmx.username} ${options.jmx.password}\n`, { mode: 0o600 });
            auth.push('-u', options.jmx.username, '-pwf', file);
        }
        const nodes = [];
        for (const node of options.nodes) {
            const base = ['-h', node.host, '-p', String(node.port), ...auth];
            const where = `${node.host}:${node.port}`;
            const snap = await nodetool(options, base, ['snapshot', '-t', tag, options.keyspace], where);
            if (!new RegExp(`^Snapshot directory: ${escape(tag)}$`, 'm').test(snap)) {
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)(`nodetool snapshot on ${where}`, `did not confirm the snapshot ("Snapshot directory: ${tag}" missing): ${snap.trim().split('\n').slice(-2).join(' / ')}`);
            }
            const listing = parseListSnapshots(await nodetool(options, base, ['listsnapshots'], where));
            const tables = listing.rows
                .filter((row) => row.snapshot === tag && row.keyspace === options.keyspace)
                .map((row) => ({ table: row.table, trueSize: row.trueSize, sizeOnDisk: row.sizeOnDisk, folder: `<data_file_directories>/${options.keyspace}/${row.table}-<table id>/snapshots/${tag}` }))
                .sort((a, b) => a.table.localeCompare(b.table));
            if (tables.length === 0)
                throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)(`nodetool listsnapshots on ${where}`, `lists no snapshot ${tag} of keyspace ${options.keyspace}`);
            log(`${where}: snapshot ${tag} of ${options.keyspace}, ${tables.length} table(s)`);
            nodes.push({ host: node.host, port: node.port, tables, totalTrueDiskSpaceUsed: listing.total });
        }
        const manifest = {
            schema: CASSANDRA_MANIFEST_SCHEMA,
            format: 'cassandra-snapshot',
            keyspace: options.keyspace,
            tag,
            kong: options.kongVersion !== undefined ? { version: options.kongVersion, source: 'input' } : { version: null, source: 'unknown' },
            nodes,
            startedAt: startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
        };
        const manifestPath = node_path__WEBPACK_IMPORTED_MODULE_2__.join(folder, 'manifest.json');
        await (0,_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .writeJsonAtomically */ .ti)(manifestPath, manifest);
        return { manifest, manifestPath, folder };
    }
    catch (error) {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(folder, { recursive: true, force: true });
        throw error instanceof _lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .UpgradeError */ .fy ? error : (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('Cassandra snapshot', error.message, error);
    }
    finally {
        if (secrets)
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(secrets, { recursive: true, force: true });
    }
}
async function nodetool(options, base, command, where) {
    const result = await (0,_lib_exec_js__WEBPACK_IMPORTED_MODULE_4__/* .execCommand */ .N)({ command: options.nodetool, args: [...base, ...command], ...(options.signal && { signal: options.signal }) }).catch((error) => {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('nodetool-path', `cannot run ${options.nodetool}: ${error.message}`, error);
    });
    if (result.exitCode === 0 && result.signal === undefined)
        return result.stdout;
    const text = `${result.stderr}\n${result.stdout}`.trim();
    // nodetool's words when JMX is unreachable (NodeProbe connect: "Failed to connect to '<host>:<port>' - ConnectException: 'Connection refused'").
    if (/Failed to connect|Connection refused|UnknownHost/i.test(text)) {
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('cassandra-hosts', `nodetool cannot reach ${where}: ${text.split('\n')[0]}`);
    }
    if (/Keyspace .* does not exist|Unknown keyspace/i.test(text))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .inputError */ .Xu)('cassandra-keyspace', `${where}: ${text.split('\n')[0]}`);
    throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)(`nodetool ${command.join(' ')} on ${where}`, `exited with ${result.signal ?? `code ${result.exitCode}`}: ${text.split('\n').slice(-3).join(' / ')}`);
}
/**
 * `nodetool listsnapshots`: TableBuilder pads every column to its widest cell, so cells are
 * cut at the header's column starts (sizes hold a space: "4.77 KiB").
 */
function parseListSnapshots(text) {
    const lines = text.split('\n');
    const headerAt = lines.findIndex((line) => line.startsWith('Snapshot name'));
    const total = /^Total TrueDiskSpaceUsed: (.+)$/m.exec(text)?.[1]?.trim() ?? null;
    if (headerAt < 0)
        return { rows: [], total };
    const header = lines[headerAt];
    const names = ['Snapshot name', 'Keyspace name', 'Column family name', 'True size', 'Size on disk'];
    const starts = names.map((name) => header.indexOf(name));
    if (starts.some((s) => s < 0))
        throw (0,_lib_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .stepError */ .hH)('nodetool listsnapshots', `unexpected header: ${header.trim()}`);
    // 4.1+ has more columns after "Size on disk": cut that one at the next column's start.
    const after = header.slice(starts[4] + names[4].length).search(/\S/);
    const ends = [...starts.slice(1), after < 0 ? undefined : starts[4] + names[4].length + after];
    const rows = [];
    for (const line of lines.slice(headerAt + 1)) {
        if (line.trim() === '' || line.startsWith('Total TrueDiskSpaceUsed'))
            break;
        const cell = (i) => line.slice(starts[i], ends[i]).trim();
        rows.push({ snapshot: cell(0), keyspace: cell(1), table: cell(2), trueSize: cell(3), sizeOnDisk: cell(4) });
    }
    return { rows, total };
}
/** Restore steps for the summary (Cassandra docs, "Restoring from a snapshot"). */
function cassandraRestoreSteps(manifest) {
    const ks = manifest.keyspace;
    return [
        `Copy each node's snapshot folders off the node now (they are hard links on its own disk): \`<data_file_directories>/${ks}/<table>-<id>/snapshots/${manifest.tag}/\` on ${manifest.nodes.map((n) => n.host).join(', ')}.`,
        'To restore: stop every Kong node that uses this keyspace (Kong caches entities; writes during a restore are lost).',
        `On each Cassandra node: \`nodetool drain\`, stop Cassandra, remove the table's current files (\`*.db\`, keep the \`snapshots/\` folder) in \`${ks}/<table>-<id>/\`, copy the snapshot's files into that folder, start Cassandra; or, with the node up, copy them in and run \`nodetool refresh ${ks} <table>\` per table.`,
        'If the keyspace or a table was dropped, recreate the schema first (`schema.cql` inside each snapshot folder), then copy the files into the new table folder (its id differs).',
        `Run \`nodetool repair ${ks}\` after restoring all nodes, then start Kong and check it (smoke-test).`,
        `Remove the snapshot when no longer needed: \`nodetool clearsnapshot -t ${manifest.tag} -- ${ks}\` on each node.`,
    ];
}
function escape(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}


/***/ })

};
