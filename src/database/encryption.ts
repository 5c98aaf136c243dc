import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { inputError, stepError, type UpgradeError } from '../lib/errors.js';
import { execCommand, type ExecRequest, type ExecResult } from '../lib/exec.js';
import type { RunDir } from '../lib/run-dir.js';

/**
 * Encryption of an archive before it leaves the machine (a Kong database holds credentials and
 * private keys), with `gpg`: symmetric with a passphrase, or to recipients' public keys. The
 * passphrase goes to gpg on stdin (`--passphrase-fd 0`), never in argv; gpg runs with a
 * throwaway GNUPGHOME so the runner's keyring is neither read nor changed.
 */
export type EncryptionOptions =
  | { readonly method: 'gpg-symmetric'; readonly passphrase: string }
  | {
      readonly method: 'gpg-recipient';
      /** Key ids, fingerprints or e-mail addresses of the recipients (encrypt). */
      readonly recipients: readonly string[];
      /** Armored public keys to import first (encrypt). */
      readonly publicKey?: string;
      /** Armored private key (decrypt), and its passphrase if it has one. */
      readonly privateKey?: string;
      readonly passphrase?: string;
    };

export const ENCRYPTED_SUFFIX = '.gpg';

/**
 * gpg reads a passphrase from `--passphrase-fd` up to the first newline ("Only the first line
 * will be read", gpg(1)), and so does every other way of giving it one without argv: a
 * multi-line passphrase would encrypt with its first line alone. Refused rather than cut.
 */
export function checkPassphrase(passphrase: string): void {
  if (/[\r\n]/.test(passphrase)) {
    throw inputError('encryption-passphrase', 'holds more than one line, and gpg reads only the first line of a passphrase (the rest would protect nothing): give a one-line passphrase. A backup encrypted with a multi-line passphrase was encrypted with its first line alone: give that line to decrypt it');
  }
}

interface Gpg {
  /** Runs gpg and returns how it ended, whatever the exit code; `streams` pipe data through it. */
  exec(args: readonly string[], stdin?: string, signal?: AbortSignal, streams?: Pick<ExecRequest, 'stdinStream' | 'onStdout'>): Promise<ExecResult>;
  /** Runs gpg and returns its stdout; throws (step `gpg`) when it fails. */
  run(args: readonly string[], stdin?: string, signal?: AbortSignal): Promise<string>;
  close(): Promise<void>;
}

/**
 * gpg's home: inside the run's private folder when given (a killed run leaves the imported key
 * there, and the ledger names the agent to stop), else the system temp folder. Short either way:
 * gpg-agent's sockets live in it and socket paths are limited to ~100 bytes.
 */
async function openGpg(runDir?: RunDir, gpgBinary = 'gpg'): Promise<Gpg> {
  const base = runDir && runDir.path.length <= SOCKET_BASE_MAX ? runDir.path : os.tmpdir();
  const home = await mkdtemp(path.join(base, 'kgpg-'));
  const key = `gpg-home-${path.basename(home)}`;
  await runDir?.note(key, { kind: 'gpg-home', path: home });
  const args = ['--homedir', home, '--batch', '--yes', '--no-tty', '--quiet'];
  // Always with a signal: that is execCommand's spawn path, which reports the signal that ended
  // gpg (SIGXFSZ when the file size limit is hit) where @actions/exec reports none.
  const exec = (rest: readonly string[], stdin?: string, signal?: AbortSignal, streams?: Pick<ExecRequest, 'stdinStream' | 'onStdout'>) =>
    execCommand({ command: gpgBinary, args: [...args, ...rest], stdin: stdin ?? '', signal: signal ?? new AbortController().signal, ...streams });
  return {
    exec,
    async run(rest, stdin, signal) {
      const result = await exec(rest, stdin, signal);
      if (result.exitCode !== 0 || result.signal !== undefined) throw stepError('gpg', failure(result));
      return result.stdout;
    },
    async close() {
      // gpg starts a gpg-agent for the home dir; stop it so nothing outlives the step.
      await stopGpgAgent(home);
      await rm(home, { recursive: true, force: true });
      await runDir?.forget(key);
    },
  };
}

/** The longest run folder a gpg home goes in: leaves room for `kgpg-XXXXXX/S.gpg-agent.browser`. */
const SOCKET_BASE_MAX = 70;

/** Stops the gpg-agent gpg started for `home` (it outlives gpg otherwise). */
export async function stopGpgAgent(home: string): Promise<void> {
  await execCommand({ command: 'gpgconf', args: ['--homedir', home, '--kill', 'gpg-agent'] }).catch(() => {});
}

/** gpg's last words, or how it ended when it said nothing (e.g. killed by SIGXFSZ). */
function failure(result: ExecResult): string {
  const reason = result.stderr.trim().split('\n').slice(-2).join(' ');
  const ended = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
  return reason ? `${reason} (${ended})` : ended;
}

/** The file could not be written for want of room (ENOSPC, EFBIG, EDQUOT, or the file size limit). */
function noRoom(result: ExecResult): string | undefined {
  if (result.signal === 'SIGXFSZ') return 'file size limit exceeded (SIGXFSZ)';
  const line = result.stderr.split('\n').find((l) => /No space left|File too large|Disk quota exceeded/i.test(l));
  return line?.replace(/^gpg: /, '').trim();
}

/** The recipients' public keys given in encryption-public-key, into the throwaway keyring. */
async function importPublicKey(gpg: Gpg, options: EncryptionOptions): Promise<void> {
  if (options.method !== 'gpg-recipient' || options.publicKey === undefined) return;
  await gpg.run(['--import'], options.publicKey).catch((error: unknown) => {
    throw inputError('encryption-public-key', `gpg could not import it: ${(error as Error).message}`, error);
  });
}

/** Encrypts each file to `<file>.gpg` and removes the plain file; returns the new paths. */
export async function encryptFiles(files: readonly string[], options: EncryptionOptions, signal?: AbortSignal, runDir?: RunDir): Promise<string[]> {
  if (options.passphrase !== undefined) checkPassphrase(options.passphrase);
  const gpg = await openGpg(runDir);
  try {
    await importPublicKey(gpg, options);
    const out: string[] = [];
    for (const file of files) {
      const target = `${file}${ENCRYPTED_SUFFIX}`;
      // The dump is compressed already: gpg's own compression would only cost time.
      const common = ['--compress-algo', 'none', '--output', target];
      const result = options.method === 'gpg-symmetric'
        ? await gpg.exec(['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--symmetric', '--cipher-algo', 'AES256', ...common, file], options.passphrase, signal)
        : await gpg.exec(['--trust-model', 'always', ...options.recipients.flatMap((r) => ['--recipient', r]), ...common, '--encrypt', file], undefined, signal);
      if (result.exitCode !== 0 || result.signal !== undefined) {
        await rm(target, { force: true });
        const full = noRoom(result);
        // Both callers (database backup, decK export) write into backup-dir.
        if (full) throw inputError('backup-dir', `no room to write the encrypted archive in ${path.dirname(target)}: ${full}`);
        if (result.aborted) throw stepError('gpg', `encryption stopped (${result.signal ?? 'aborted'})`);
        if (options.method === 'gpg-recipient') throw inputError('encryption-recipients', `gpg could not encrypt to ${options.recipients.join(', ')}: ${failure(result)}`);
        throw stepError('gpg', failure(result));
      }
      await rm(file);
      out.push(target);
    }
    return out;
  } finally {
    await gpg.close();
  }
}

/**
 * Encrypts a stream (a dump on its way to object storage) as encryptFiles does a file, with the
 * same settings: gpg reads the passphrase's line, then the data, on stdin (`--passphrase-fd 0`
 * reads up to the first newline) and writes the encrypted stream to stdout. `done` settles when
 * gpg has exited, rejecting when it failed.
 */
export async function encryptStream(input: Readable, options: EncryptionOptions, signal: AbortSignal, runDir?: RunDir): Promise<{ output: Readable; done: Promise<void> }> {
  if (options.passphrase !== undefined) checkPassphrase(options.passphrase);
  const gpg = await openGpg(runDir);
  try {
    await importPublicKey(gpg, options);
  } catch (error) {
    await gpg.close();
    throw error;
  }
  const common = ['--compress-algo', 'none', '--output', '-'];
  let output: Readable | undefined;
  const running = options.method === 'gpg-symmetric'
    ? gpg.exec(['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--symmetric', '--cipher-algo', 'AES256', ...common], `${options.passphrase}\n`, signal, { stdinStream: input, onStdout: (s) => (output = s) })
    : gpg.exec(['--trust-model', 'always', ...options.recipients.flatMap((r) => ['--recipient', r]), ...common, '--encrypt'], '', signal, { stdinStream: input, onStdout: (s) => (output = s) });
  const done = running.then((result) => {
    if (result.exitCode === 0 && result.signal === undefined) return;
    if (result.aborted) throw stepError('gpg', `encryption stopped (${result.signal ?? 'aborted'})`);
    if (options.method === 'gpg-recipient') throw inputError('encryption-recipients', `gpg could not encrypt to ${options.recipients.join(', ')}: ${failure(result)}`);
    throw stepError('gpg', failure(result));
  }).finally(() => gpg.close());
  // execCommand hands stdout over as it spawns, before its promise settles.
  if (output === undefined) {
    await done;
    throw stepError('gpg', 'gave no output stream');
  }
  return { output, done };
}

/** Key ids (16 hex digits) of the `ENC_TO` status lines: the public keys a message is encrypted to. */
function encryptedTo(status: string): string[] {
  return [...status.matchAll(/^\[GNUPG:\] ENC_TO ([0-9A-F]{16}) /gm)].map((m) => m[1]!);
}

/** Decrypts `<base>/<file>.gpg` files into `outDir/<file>`; a failure leaves no partial plain file. */
export async function decryptFiles(base: string, files: readonly string[], outDir: string, options: EncryptionOptions, signal?: AbortSignal, runDir?: RunDir): Promise<void> {
  if (options.passphrase !== undefined) checkPassphrase(options.passphrase);
  const gpg = await openGpg(runDir);
  try {
    // The ids of the private key's (sub)keys, to tell "not the right key" from "wrong passphrase".
    let secretKeyIds: string[] = [];
    if (options.method === 'gpg-recipient') {
      if (options.privateKey === undefined) throw inputError('encryption-private-key', 'is required to decrypt an archive encrypted to recipients');
      await gpg.run(['--import'], options.privateKey).catch((error: unknown) => {
        throw inputError('encryption-private-key', `gpg could not import it: ${(error as Error).message}`, error);
      });
      // --with-colons: field 5 the key id; field 15 '#' for a stub whose secret part is absent.
      const listing = await gpg.run(['--with-colons', '--list-secret-keys']);
      secretKeyIds = listing.split('\n').map((line) => line.split(':')).filter((f) => (f[0] === 'sec' || f[0] === 'ssb') && f[14] !== '#').map((f) => f[4]!);
      if (secretKeyIds.length === 0) throw inputError('encryption-private-key', 'holds no private key (an armored "PRIVATE KEY BLOCK" is needed, not a public key)');
    }
    for (const file of files) {
      const plain = path.join(outDir, file.endsWith(ENCRYPTED_SUFFIX) ? file.slice(0, -ENCRYPTED_SUFFIX.length) : file);
      await mkdir(path.dirname(plain), { recursive: true });
      // Status lines on stdout (the plain text goes to --output): they name the keys the file is encrypted to.
      const result = await gpg.exec(['--status-fd', '1', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--output', plain, '--decrypt', path.join(base, file)], options.passphrase ?? '', signal);
      if (result.exitCode === 0 && result.signal === undefined) continue;
      await rm(plain, { force: true });
      throw decryptionError(result, file, outDir, options, secretKeyIds);
    }
  } finally {
    await gpg.close();
  }
}

function decryptionError(result: ExecResult, file: string, outDir: string, options: EncryptionOptions, secretKeyIds: readonly string[]): UpgradeError {
  const full = noRoom(result);
  if (full) return stepError('decrypting the archive', `no room to write the decrypted archive in ${outDir}: ${full}; free space there (the decrypted copy is about as large as the archive)`);
  if (result.aborted) return stepError('decrypting the archive', `stopped (${result.signal ?? 'aborted'})`);
  const reason = failure(result);
  const recipients = encryptedTo(result.stdout);
  const keyProblem = /no secret key|bad passphrase|bad session key/i.test(result.stderr);
  if (recipients.length > 0 && keyProblem) {
    if (options.method === 'gpg-symmetric') {
      return inputError('encryption-private-key', `${file} is encrypted to public key(s) ${recipients.join(', ')}, not with a passphrase: give the private key (and encryption-passphrase if the key has one)`);
    }
    const hidden = recipients.every((id) => /^0+$/.test(id));
    const held = recipients.filter((id) => secretKeyIds.includes(id));
    if (hidden) {
      return inputError('encryption-private-key', `gpg could not decrypt ${file} (its recipients are hidden): the key given (${secretKeyIds.join(', ')}) is not one it is encrypted to, or encryption-passphrase is wrong for it`);
    }
    if (held.length === 0) {
      return inputError('encryption-private-key', `is not a key this archive is encrypted to: ${file} is encrypted to ${recipients.join(', ')}; the key given: ${secretKeyIds.join(', ')}`);
    }
    return options.passphrase === undefined || options.passphrase === ''
      ? inputError('encryption-passphrase', `the private key ${held.join(', ')} is protected by a passphrase: give it in encryption-passphrase`)
      : inputError('encryption-passphrase', `is wrong for the private key ${held.join(', ')}: gpg could not unlock it`);
  }
  if (keyProblem) return inputError('encryption-passphrase', `is wrong, or is not what the archive was encrypted with: gpg could not decrypt: ${reason}`);
  return stepError('decrypting the archive', `gpg could not decrypt ${file}: ${reason}`);
}
