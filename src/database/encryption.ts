import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inputError, stepError } from '../lib/errors.js';
import { execCommand } from '../lib/exec.js';

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

interface Gpg {
  run(args: readonly string[], stdin?: string, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

async function openGpg(gpgBinary = 'gpg'): Promise<Gpg> {
  // Short path: gpg-agent's socket lives in GNUPGHOME and socket paths are limited to ~100 bytes.
  const home = await mkdtemp(path.join(os.tmpdir(), 'kgpg-'));
  const base = ['--homedir', home, '--batch', '--yes', '--no-tty', '--quiet'];
  return {
    async run(args, stdin, signal) {
      const result = await execCommand({ command: gpgBinary, args: [...base, ...args], stdin: stdin ?? '', ...(signal && { signal }) });
      if (result.exitCode !== 0) {
        const reason = result.stderr.trim().split('\n').slice(-2).join(' ');
        if (/bad passphrase|decryption failed: Bad session key|no secret key/i.test(result.stderr)) {
          throw inputError('encryption-passphrase', `gpg could not decrypt: ${reason}`);
        }
        throw stepError('gpg', reason || `exit code ${result.exitCode}`);
      }
    },
    async close() {
      // gpg starts a gpg-agent for the home dir; stop it so nothing outlives the step.
      await execCommand({ command: 'gpgconf', args: ['--homedir', home, '--kill', 'gpg-agent'] }).catch(() => {});
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Encrypts each file to `<file>.gpg` and removes the plain file; returns the new paths. */
export async function encryptFiles(files: readonly string[], options: EncryptionOptions, signal?: AbortSignal): Promise<string[]> {
  const gpg = await openGpg();
  try {
    if (options.method === 'gpg-recipient' && options.publicKey !== undefined) {
      await gpg.run(['--import'], options.publicKey).catch((error: unknown) => {
        throw inputError('encryption-public-key', `gpg could not import it: ${(error as Error).message}`, error);
      });
    }
    const out: string[] = [];
    for (const file of files) {
      const target = `${file}${ENCRYPTED_SUFFIX}`;
      // The dump is compressed already: gpg's own compression would only cost time.
      const common = ['--compress-algo', 'none', '--output', target];
      if (options.method === 'gpg-symmetric') {
        await gpg.run(['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--symmetric', '--cipher-algo', 'AES256', ...common, file], options.passphrase, signal);
      } else {
        const recipients = options.recipients.flatMap((r) => ['--recipient', r]);
        await gpg.run(['--trust-model', 'always', ...recipients, ...common, '--encrypt', file], undefined, signal).catch((error: unknown) => {
          throw inputError('encryption-recipients', `gpg could not encrypt to ${options.recipients.join(', ')}: ${(error as Error).message}`, error);
        });
      }
      await rm(file);
      out.push(target);
    }
    return out;
  } finally {
    await gpg.close();
  }
}

/** Decrypts `<base>/<file>.gpg` files into `outDir/<file>`. */
export async function decryptFiles(base: string, files: readonly string[], outDir: string, options: EncryptionOptions, signal?: AbortSignal): Promise<void> {
  const gpg = await openGpg();
  try {
    if (options.method === 'gpg-recipient') {
      if (options.privateKey === undefined) throw inputError('encryption-private-key', 'is required to decrypt an archive encrypted to recipients');
      await gpg.run(['--import'], options.privateKey).catch((error: unknown) => {
        throw inputError('encryption-private-key', `gpg could not import it: ${(error as Error).message}`, error);
      });
    }
    for (const file of files) {
      const plain = path.join(outDir, file.endsWith(ENCRYPTED_SUFFIX) ? file.slice(0, -ENCRYPTED_SUFFIX.length) : file);
      await mkdir(path.dirname(plain), { recursive: true });
      await gpg.run(['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--output', plain, '--decrypt', path.join(base, file)], options.passphrase ?? '', signal);
    }
  } finally {
    await gpg.close();
  }
}
