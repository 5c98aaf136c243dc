import type { KongConfSetting } from '../kong-conf.js';

/** file:line of a setting: its own file when it came from kong-env, else the kong.conf's. */
export function settingWhere(conf: { readonly file: string }, setting: KongConfSetting): string {
  return `${setting.file ?? conf.file}:${setting.line}`;
}
