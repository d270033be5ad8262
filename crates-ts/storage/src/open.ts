/**
 * Opening a RocksDB data directory: which column families to list, and the mapping of
 * the binding's open errors to typed errors.
 *
 * RocksDB refuses to open a database unless every existing column family is listed,
 * and the binding has no ListColumnFamilies. RocksDB writes an OPTIONS-<number> file
 * (atomically: temp file + rename) on every open and every family creation, with one
 * `[CFOptions "<name>"]` section per family; the highest number is current. As a
 * fallback (an OPTIONS file deleted by hand), the open error "Column families not
 * opened: a, b" names the missing ones and we retry once with them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SeshatError } from '@seshat/common';

const OPTIONS_FILE = /^OPTIONS-(\d+)$/;
const CF_SECTION = /^\[CFOptions "((?:[^"\\]|\\.)*)"\]\s*$/;
const NOT_OPENED = /Column families not opened: (.*)$/;

/** Families recorded in the newest OPTIONS file of `dir`; [] for a new or absent dir. */
export function listColumnFamilies(dir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let newest = -1;
  let newestName = '';
  for (const name of entries) {
    const m = OPTIONS_FILE.exec(name);
    if (m !== null && Number(m[1]) > newest) {
      newest = Number(m[1]);
      newestName = name;
    }
  }
  if (newest < 0) return [];
  const names: string[] = [];
  for (const line of fs.readFileSync(path.join(dir, newestName), 'utf8').split('\n')) {
    const m = CF_SECTION.exec(line.trim());
    // RocksDB escapes special characters in option strings with a backslash.
    if (m !== null) names.push(m[1]!.replace(/\\(.)/g, '$1'));
  }
  return names;
}

/** The binding reports open failures as LEVEL_DATABASE_NOT_OPEN with the RocksDB error as cause. */
function rootMessage(err: unknown): { code: string | undefined; message: string } {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.cause !== undefined) return { code: e.cause.code, message: String(e.cause.message) };
  return { code: e.code, message: String(e.message) };
}

/** Families named by a "Column families not opened" error; [] for any other error. */
export function missingColumnFamilies(err: unknown): string[] {
  const m = NOT_OPENED.exec(rootMessage(err).message);
  if (m === null) return [];
  return m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * RocksDB's LOCK file: flock from another process ("While lock file ... Resource
 * temporarily unavailable") or its in-process lock table ("lock hold by current
 * process"). The binding tags both LEVEL_LOCKED on Linux.
 */
export function toOpenError(dir: string, err: unknown): SeshatError {
  const { code, message } = rootMessage(err);
  if (code === 'LEVEL_LOCKED' || /lock hold by current process|While lock file|LockFile/.test(message)) {
    return new SeshatError(
      'DATA_DIR_LOCKED',
      `data directory ${dir} is locked by another process (is another seshat running?)`,
    );
  }
  return new SeshatError('STORAGE', `cannot open RocksDB at ${dir}: ${message}`);
}
