import type { AdminApiTarget } from '../kong/admin-api.js';
import { readAdminInputs } from '../kong/admin-inputs.js';
import { inputError } from '../lib/errors.js';
import { readDuration, readHttpUrl, readPath, readString, type InputSource } from '../lib/inputs.js';

/** write-freeze's inputs, read alike by its main and post steps. */
export interface FreezeRequest {
  /** Where the freeze route is created and deleted: blue's Admin API. */
  readonly admin: AdminApiTarget;
  /** The name or id of the route that proxies the Admin API (the loopback). */
  readonly adminRoute: string;
  /** The Admin API as reached through that route: where the freeze is proven. */
  readonly loopbackUrl: string;
  readonly accessLog: string | undefined;
  readonly timeoutMs: number;
}

export function readFreezeRequest(source: InputSource): FreezeRequest {
  const method = readString(source, 'method') ?? 'request-termination';
  if (method !== 'request-termination') throw inputError('method', `"${method}" is not supported; request-termination (an RBAC role swap or anything else: the operator's own script, workflows-examples/operator/README.md)`);
  const admin = readAdminInputs(source);
  if (admin === undefined) throw inputError('admin-url', 'is required: blue\'s Admin API, where the freeze route is created and removed');
  const adminRoute = readString(source, 'admin-route');
  if (adminRoute === undefined) throw inputError('admin-route', 'is required: the name or id of the route that proxies the Admin API through Kong (the API loopback)');
  if (!/^[A-Za-z0-9._~-]{1,128}$/.test(adminRoute)) throw inputError('admin-route', `"${adminRoute}" is not a route name or id (letters, digits, . _ ~ -)`);
  const loopbackUrl = readHttpUrl(source, 'loopback-url');
  if (loopbackUrl === undefined) throw inputError('loopback-url', 'is required: the Admin API as reached through admin-route (e.g. https://kong.example.com/admin-api), where the freeze is proven in force');
  const timeoutMs = readDuration(source, 'timeout', '60s');
  if (timeoutMs <= 0) throw inputError('timeout', 'must be more than 0');
  return { admin, adminRoute, loopbackUrl, accessLog: readPath(source, 'access-log'), timeoutMs };
}
