/** `20261204T142214Z`: a UTC time for the names of backups, exports and snapshots (sorts as it reads). */
export function timeStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
