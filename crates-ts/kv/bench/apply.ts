// Measures the state machine's apply path alone: entries of N SET commands over random keys
// (64-byte values, 100k keyspace) applied to RocksDB, plus GETs through the read path.
// Run: node --conditions=seshat-src --import=tsx crates-ts/kv/bench/apply.ts [entrySize] [entries]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEntry, KvStateMachine, resolveCommand } from '@seshat/kv';
import { openRocksStorage } from '@seshat/storage';
import { ErrorReply } from '@seshat/common';

const entrySize = Number(process.argv[2] ?? 450);
const entries = Number(process.argv[3] ?? 400);
const dir = mkdtempSync(join(tmpdir(), 'seshat-apply-bench-'));
const storage = await openRocksStorage(dir);
const sm = new KvStateMachine(storage);
const value = Buffer.alloc(64, 'x');
let seed = 1;
const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) % 100000;
const built: Buffer[] = [];
for (let e = 0; e < entries; e++) {
  const cmds = [];
  for (let i = 0; i < entrySize; i++)
    cmds.push({ db: 0, argv: [Buffer.from('SET'), Buffer.from(`key:${rnd()}`), value] });
  built.push(encodeEntry(Date.now(), e, cmds));
}
let t0 = performance.now();
for (let e = 0; e < entries; e++) sm.apply(e + 1, built[e]!);
let ms = performance.now() - t0;
console.log(
  `apply: ${(((entries * entrySize) / ms) * 1000).toFixed(0)} SET/s (${((ms * 1000) / (entries * entrySize)).toFixed(2)} us per SET)`,
);
const get = [Buffer.from('GET'), Buffer.from('key:1')];
const spec = resolveCommand(get);
if (spec instanceof ErrorReply) throw new Error('no GET');
const n = 300_000;
const keys = Array.from({ length: 1000 }, () => Buffer.from(`key:${rnd()}`));
t0 = performance.now();
for (let i = 0; i < n; i++) {
  get[1] = keys[i % 1000]!;
  sm.read(spec, 0, get, Date.now());
}
ms = performance.now() - t0;
console.log(
  `read GET (cached): ${((n / ms) * 1000).toFixed(0)} GET/s (${((ms * 1000) / n).toFixed(2)} us per GET)`,
);
await storage.close();
rmSync(dir, { recursive: true, force: true });
