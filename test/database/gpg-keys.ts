import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';

export interface KeyPair {
  readonly publicKey: string;
  readonly privateKey: string;
  /** Long key id of the encryption (cv25519) subkey: what an archive encrypted to it names. */
  readonly encryptionKeyId: string;
}

/** An ed25519 signing key with a cv25519 encryption subkey, made in a throwaway GNUPGHOME under `work`. */
export function makeKeyPair(work: string, uid: string, passphrase: string): KeyPair {
  const home = mkdtempSync(path.join(work, 'keygen-'));
  const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--no-tty', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', passphrase, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    gpg('--quick-gen-key', uid, 'ed25519', 'sign,cert', 'never');
    const primary = /^fpr:+([0-9A-F]{40}):/m.exec(gpg('--with-colons', '--list-keys', uid))![1]!;
    gpg('--quick-add-key', primary, 'cv25519', 'encr', 'never');
    const encryptionKeyId = /^sub:[^:]*:\d+:18:([0-9A-F]{16}):/m.exec(gpg('--with-colons', '--list-keys', uid))![1]!;
    return { publicKey: gpg('--armor', '--export', uid), privateKey: gpg('--armor', '--export-secret-keys', uid), encryptionKeyId };
  } finally {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
    rmSync(home, { recursive: true, force: true });
  }
}
