import { inputError } from '../lib/errors.js';
import { readHttpUrl, readSecret, readString, type InputSource } from '../lib/inputs.js';
import { hasControl } from '../lib/log-text.js';
import type { AdminApiTarget } from './admin-api.js';

/** The Admin API inputs; promote reads a second set (blue-admin-url …) under other names. */
export function readAdminInputs(
  source: InputSource,
  names: { url: string; token: string; workspace: string } = { url: 'admin-url', token: 'admin-token', workspace: 'workspace' },
): AdminApiTarget | undefined {
  const token = readSecret(source, names.token);
  // Masked line by line above; refused here, since a header value is one line.
  if (token !== undefined && hasControl(token)) throw inputError(names.token, 'holds a line break or another control character; a token is one line (it is sent as the Kong-Admin-Token header)');
  const url = readHttpUrl(source, names.url);
  if (url === undefined) {
    if (token !== undefined) throw inputError(names.url, `is required when ${names.token} is set`);
    return undefined;
  }
  return { input: names.url, url, token, workspace: readString(source, names.workspace) };
}
