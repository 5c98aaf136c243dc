#!/usr/bin/env node
// The operator contract (workflows-examples/operator/README.md) fulfilled for the rehearsals:
// called by the reusable workflows as `./<operator-script> <phase>` with the KONG_UPGRADE_*
// variables, it hands the phase to the test world (the control URL in
// KONG_UPGRADE_OPERATOR_CONFIG), which starts or stops simulated Kong nodes. Exit 0 = done.
// Secrets are never sent: only their SHA-256, so the world can tell they arrived.
import { createHash } from 'node:crypto';

const SECRET = new Set(['KONG_UPGRADE_SSH_KEY', 'KONG_UPGRADE_KUBECONFIG', 'KONG_UPGRADE_GITOPS_TOKEN']);
const [phase, ...extra] = process.argv.slice(2);
let config;
try {
  config = JSON.parse(process.env.KONG_UPGRADE_OPERATOR_CONFIG || '{}');
} catch {
  console.error('KONG_UPGRADE_OPERATOR_CONFIG is not JSON');
  process.exit(2);
}
if (!config.control) {
  console.error('KONG_UPGRADE_OPERATOR_CONFIG has no control URL');
  process.exit(2);
}
const digest = (value) => (value ? createHash('sha256').update(value).digest('hex') : '');
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('KONG_UPGRADE_') && !SECRET.has(key)));
const response = await fetch(`${config.control}/phase`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ phase, extra, env, sshKey: digest(process.env.KONG_UPGRADE_SSH_KEY), kubeconfig: digest(process.env.KONG_UPGRADE_KUBECONFIG), gitopsToken: digest(process.env.KONG_UPGRADE_GITOPS_TOKEN) }),
});
const text = await response.text();
(response.ok ? process.stdout : process.stderr).write(`${text}\n`);
process.exit(response.ok ? 0 : 1);
