import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `shared/` lies beside the checkout, in development and in CI alike. */
export const SHARED_DIR = process.env.KONG_SHARED_DIR ?? path.resolve(REPO_ROOT, '../shared');
export const KONG_DATA = path.join(SHARED_DIR, 'kong-data');
export const KONG_FACTS = path.join(SHARED_DIR, 'kong-facts');
