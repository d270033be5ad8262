// RocksDB-only behaviour, with real processes where it matters: column families are
// all listed on reopen (incl. unknown ones a newer version created, and without an
// OPTIONS file), the data dir LOCK is reported as DATA_DIR_LOCKED (second open in this
// process, and against a child process holding it), and sync batches survive a
// SIGKILL of the writing child atomically (applied index and data agree), and the
// small-record families get their smaller write buffers.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeshatError } from '@seshat/common';
import { COLUMN_FAMILIES, listColumnFamilies, openRocksStorage } from '@seshat/storage';
import t, { type Test } from 'tap';
import { createNativeDb } from '../src/binding.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const CHILD = path.join(here, 'fixtures/child.ts');

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-rocks-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function startChild(mode: string, dir: string): ChildProcess {
  return spawn(process.execPath, ['--conditions=seshat-src', '--import=tsx', CHILD, mode, dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Resolves with the child's stdout so far once `done(stdout)` holds (or on exit). */
function waitFor(child: ChildProcess, done: (out: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`child timed out; output: ${out}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (done(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.on('exit', () => resolve()));
}

const b = (s: string): Buffer => Buffer.from(s);

t.test('creates every family, reopens with data, lists families from OPTIONS', async (t) => {
  const dir = tempDir(t);
  const s1 = await openRocksStorage(dir);
  const batch = s1.batch();
  for (const cf of COLUMN_FAMILIES) batch.put(cf, b('k'), b(cf));
  s1.write(batch, { sync: true });
  await s1.close();
  t.same([...listColumnFamilies(dir)].sort(), [...COLUMN_FAMILIES].sort());
  const s2 = await openRocksStorage(dir, { createIfMissing: false });
  for (const cf of COLUMN_FAMILIES) t.equal(s2.get(cf, b('k'))?.toString(), cf);
  await s2.close();
});

t.test('opens a database holding an unknown family, and one without OPTIONS files', async (t) => {
  const dir = tempDir(t);
  const columns = { default: {}, meta: {}, from_the_future: {} };
  const raw = createNativeDb(dir, columns);
  await raw.open({ createIfMissing: true, columns });
  await raw.close();
  const s1 = await openRocksStorage(dir);
  t.ok(s1.columnFamilies.includes('from_the_future'), 'unknown family opened');
  const batch = s1.batch();
  batch.put('meta', b('k'), b('v'));
  s1.write(batch, { sync: true });
  await s1.close();
  for (const f of fs.readdirSync(dir)) if (f.startsWith('OPTIONS-')) fs.rmSync(path.join(dir, f));
  t.same(listColumnFamilies(dir), []);
  const s2 = await openRocksStorage(dir);
  t.ok(s2.columnFamilies.includes('from_the_future'), 'found through the open error');
  t.equal(s2.get('meta', b('k'))?.toString(), 'v');
  await s2.close();
});

/** `key` of each `[CFOptions "<family>"]` section of the newest OPTIONS file in `dir`. */
function cfOption(dir: string, key: string): Map<string, string> {
  const newest = fs
    .readdirSync(dir)
    .filter((f) => /^OPTIONS-\d+$/.test(f))
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
    .at(-1)!;
  const out = new Map<string, string>();
  let family: string | null = null;
  for (const line of fs.readFileSync(path.join(dir, newest), 'utf8').split('\n')) {
    const section = /^\[(\w+)(?: "([^"]*)")?\]/.exec(line.trim());
    if (section !== null) family = section[1] === 'CFOptions' ? section[2]! : null;
    const kv = /^\s*(\w+)=(.*)$/.exec(line);
    if (family !== null && kv !== null && kv[1] === key) out.set(family, kv[2]!);
  }
  return out;
}

t.test('small-record families get 16 MiB write buffers, the others the 64 MiB default', async (t) => {
  const dir = tempDir(t);
  const storage = await openRocksStorage(dir);
  await storage.close();
  const sizes = cfOption(dir, 'write_buffer_size');
  for (const cf of ['meta', 'sub', 'zscore', 'expire']) t.equal(sizes.get(cf), String(16 << 20), cf);
  for (const cf of ['default', 'raft_log', 'raft_state']) t.equal(sizes.get(cf), String(64 << 20), cf);
});

t.test('createIfMissing: false on a missing dir is a STORAGE error', async (t) => {
  const dir = path.join(tempDir(t), 'absent');
  await t.rejects(openRocksStorage(dir, { createIfMissing: false }), {
    name: 'SeshatError',
    code: 'STORAGE',
  });
});

t.test('a second open in the same process is DATA_DIR_LOCKED', async (t) => {
  const dir = tempDir(t);
  const s1 = await openRocksStorage(dir);
  const err = await openRocksStorage(dir).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof SeshatError);
  t.equal((err as SeshatError).code, 'DATA_DIR_LOCKED');
  t.equal(
    (err as SeshatError).message,
    `data directory ${dir} is locked by another process (is another seshat running?)`,
  );
  await s1.close();
  const s2 = await openRocksStorage(dir);
  await s2.close();
  t.pass('opens again once closed');
});

t.test('a data dir held by another process is DATA_DIR_LOCKED, both ways', async (t) => {
  const dir = tempDir(t);
  const holder = startChild('hold', dir);
  t.match(await waitFor(holder, (o) => o.includes('ready\n')), /ready/);
  await t.rejects(openRocksStorage(dir), { code: 'DATA_DIR_LOCKED' });
  holder.kill('SIGKILL');
  await exited(holder);
  const s = await openRocksStorage(dir);
  const opener = startChild('open', dir);
  t.match(await waitFor(opener, (o) => o.includes('\n')), /^error DATA_DIR_LOCKED/);
  await exited(opener);
  await s.close();
});

t.test('sync batches survive SIGKILL, atomically across families', async (t) => {
  const dir = tempDir(t);
  const writer = startChild('write', dir);
  const out = await waitFor(writer, (o) => /written (\d{3,})\n/.test(o));
  writer.kill('SIGKILL');
  await exited(writer);
  const reported = Math.max(...[...out.matchAll(/written (\d+)\n/g)].map((m) => Number(m[1])));
  t.ok(reported >= 100, `child reported ${reported} durable writes before the kill`);

  const s = await openRocksStorage(dir);
  const applied = Number(s.get('raft_state', b('applied'))!.readBigUInt64BE());
  t.ok(applied >= reported, `applied index ${applied} covers every reported write (${reported})`);
  const seq = (n: number) => {
    const key = Buffer.alloc(8);
    key.writeBigUInt64BE(BigInt(n));
    return key;
  };
  let missing = 0;
  for (let n = 0; n <= applied; n++) {
    if (s.get('raft_log', seq(n)) === undefined || s.get('meta', b(`key${n}`)) === undefined) missing++;
  }
  t.equal(missing, 0, 'every batch up to the applied index is whole');
  t.equal(s.get('raft_log', seq(applied + 1)), undefined, 'nothing of a later batch');
  t.equal(s.get('meta', b(`key${applied + 1}`)), undefined, 'nothing of a later batch');
  await s.close();
});

t.test('a snapshot records one sequence number for all its cursors', async (t) => {
  const dir = tempDir(t);
  const s = await openRocksStorage(dir);
  const batch = s.batch();
  batch.put('meta', b('a'), b('1'));
  s.write(batch, { sync: false });
  const before = s.sequence;
  const snap = s.snapshot();
  t.equal(snap.sequence, before);
  snap.release();
  await s.close();
});
