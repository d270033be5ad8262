// Storage micro-benchmarks (RocksDB, and the memory twin for reference):
//   node --conditions=seshat-src --import=tsx crates-ts/storage/bench/storage.ts [dir]
// `dir` defaults to a temp dir under os.tmpdir() (fsync cost depends on its disk).
// Measures: sync point get (memtable hits, 100k keys), getMany of 16 keys, a 50-put
// batch with sync:true (fsync latency) and without, live and snapshot iteration rows/s,
// snapshot creation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryStorage, openRocksStorage, type Storage } from '@seshat/storage';

const KEY_COUNT = 100_000;
const VALUE_BYTES = 100;
const RUN_MS = 1500;

function key(i: number): Buffer {
  const k = Buffer.alloc(12);
  k.writeUInt16BE(i % 16384, 0);
  k.write('key', 2, 'latin1');
  k.writeUInt32BE(i, 5);
  return k;
}

/** Runs `op` repeatedly for RUN_MS; returns ops/s and per-op latency samples (µs). */
function measure(op: (i: number) => void): { opsPerSec: number; p50: number; p99: number } {
  const samples: number[] = [];
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < RUN_MS) {
    const t0 = performance.now();
    op(n++);
    samples.push((performance.now() - t0) * 1000);
  }
  const elapsed = performance.now() - start;
  samples.sort((a, b) => a - b);
  return {
    opsPerSec: Math.round((n / elapsed) * 1000),
    p50: samples[Math.floor(samples.length * 0.5)]!,
    p99: samples[Math.floor(samples.length * 0.99)]!,
  };
}

function report(name: string, r: { opsPerSec: number; p50: number; p99: number }, unit = 'ops/s'): void {
  console.log(
    `${name.padEnd(38)} ${r.opsPerSec.toLocaleString('en-US').padStart(12)} ${unit.padEnd(8)} p50 ${r.p50.toFixed(1)} µs  p99 ${r.p99.toFixed(1)} µs`,
  );
}

function load(storage: Storage): void {
  const value = Buffer.alloc(VALUE_BYTES, 7);
  for (let i = 0; i < KEY_COUNT; i += 1000) {
    const batch = storage.batch();
    for (let j = i; j < i + 1000; j++) batch.put('meta', key(j), value);
    storage.write(batch, { sync: false });
  }
}

function scanRowsPerSec(read: () => { nextBatch(max: number): Buffer[]; close(): void }): number {
  const start = performance.now();
  let rows = 0;
  let passes = 0;
  while (performance.now() - start < RUN_MS) {
    const it = read();
    for (let r = it.nextBatch(1000); r.length > 0; r = it.nextBatch(1000)) rows += r.length / 2;
    it.close();
    passes++;
  }
  if (rows !== passes * KEY_COUNT) throw new Error(`scan saw ${rows} rows in ${passes} passes`);
  return Math.round((rows / (performance.now() - start)) * 1000);
}

function run(label: string, storage: Storage, sync: boolean): void {
  console.log(`\n== ${label}`);
  load(storage);
  const rand = (i: number) => key((i * 7919) % KEY_COUNT);
  report(
    'get (memtable hit)',
    measure((i) => storage.get('meta', rand(i))),
  );
  report(
    'get (miss)',
    measure((i) => storage.get('meta', key(KEY_COUNT + i))),
  );
  const keys16 = (i: number) => Array.from({ length: 16 }, (_, j) => rand(i * 16 + j));
  report(
    'getMany x16',
    measure((i) => storage.getMany('meta', keys16(i))),
    'calls/s',
  );
  const value = Buffer.alloc(VALUE_BYTES, 9);
  const put50 = (i: number, syncWrite: boolean) => {
    const batch = storage.batch();
    for (let j = 0; j < 50; j++) batch.put('sub', key(i * 50 + j), value);
    storage.write(batch, { sync: syncWrite });
  };
  if (sync)
    report(
      'batch 50 puts, sync:true',
      measure((i) => put50(i, true)),
      'batch/s',
    );
  report(
    'batch 50 puts, sync:false',
    measure((i) => put50(i, false)),
    'batch/s',
  );
  const live = scanRowsPerSec(() => storage.iterator('meta', {}));
  console.log(
    `${'iterate 100k rows, batches of 1000'.padEnd(38)} ${live.toLocaleString('en-US').padStart(12)} rows/s`,
  );
  const snap = storage.snapshot();
  const snapRows = scanRowsPerSec(() => snap.iterator('meta', {}));
  console.log(
    `${'snapshot iterate, batches of 1000'.padEnd(38)} ${snapRows.toLocaleString('en-US').padStart(12)} rows/s`,
  );
  report(
    'snapshot get (memtable hit)',
    measure((i) => snap.get('meta', rand(i))),
  );
  snap.release();
  const t0 = performance.now();
  const drop = storage.batch();
  drop.deleteRange('meta', key(0).subarray(0, 2), Buffer.from([0xff, 0xff]));
  const perKeyUs = ((performance.now() - t0) * 1000) / drop.count;
  console.log(
    `${'deleteRange scan (per key deleted)'.padEnd(38)} ${perKeyUs.toFixed(2).padStart(12)} µs/key (${drop.count} keys)`,
  );
  report(
    'snapshot create + release',
    measure(() => storage.snapshot().release()),
  );
}

const dir = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-bench-'));
const rocks = await openRocksStorage(dir);
run(`RocksDB at ${dir}`, rocks, true);
await rocks.close();
if (process.argv[2] === undefined) fs.rmSync(dir, { recursive: true, force: true });
const memory = new MemoryStorage();
run('MemoryStorage', memory, false);
await memory.close();
