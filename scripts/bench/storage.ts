// The storage engine's share of a SET: what RocksDB alone costs per key for the batches the
// standalone write path produces under `redis-benchmark -t set -P 16 -c 50` (one group-commit
// batch = one raft_log entry holding the commands + one meta put per key + the applied index,
// written with sync). No RESP, no state machine: only @seshat/storage and the binding.
// Prints CPU microseconds per key (user, sys, the process's every thread: RocksDB's flush and
// compaction threads included) and the SET rate that this cost alone would cap one core at.
//
//   npm run bench:storage [-- --keys 1600000 --batch 800 --keyspace 100000]
//
// Pin it to a core (taskset -c 1) to compare with `npm run bench`, whose servers are pinned.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRocksStorage } from '../../crates-ts/storage/src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const KEYS = arg('keys', 1_600_000);
const BATCH = arg('batch', 800);
const KEYSPACE = arg('keyspace', 100_000);
/** redis-benchmark's SET: key "key:" + 12 digits, 64-byte value; the meta record adds 9 bytes. */
const VALUE = Buffer.alloc(73, 0x78);
/** Bytes of one logged SET command (argv with lengths), as the entry codec writes it. */
const LOGGED_COMMAND_BYTES = 100;

interface Variant {
  name: string;
  statePuts: boolean;
  logEntry: boolean;
  sync: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'log entry + state, sync (the write path)', statePuts: true, logEntry: true, sync: true },
  { name: 'log entry + state, no sync', statePuts: true, logEntry: true, sync: false },
  { name: 'state only, sync', statePuts: true, logEntry: false, sync: true },
  { name: 'log entry only, sync', statePuts: false, logEntry: true, sync: true },
];

function metaKey(i: number): Buffer {
  // Slot (2 bytes), db (1 byte), user key: the layout of keys.ts, close enough for cost.
  const k = Buffer.from(`\0\0\0key:${String(i).padStart(12, '0')}`, 'latin1');
  k.writeUInt16BE(i & 0x3fff, 0);
  return k;
}

async function run(v: Variant, total = KEYS): Promise<{ user: number; sys: number; wall: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-bench-storage-'));
  const storage = await openRocksStorage(dir);
  try {
    const keys: Buffer[] = [];
    for (let i = 0; i < KEYSPACE; i++) keys.push(metaKey(i));
    const entry = Buffer.alloc(BATCH * LOGGED_COMMAND_BYTES, 0x2a);
    const applied = Buffer.alloc(16);
    const appliedKey = Buffer.from('applied');
    let rng = 12345;
    const batches = Math.ceil(total / BATCH);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let b = 1; b <= batches; b++) {
      const batch = storage.batch();
      if (v.logEntry) {
        const k = Buffer.allocUnsafe(8);
        k.writeBigUInt64BE(BigInt(b));
        batch.put('raft_log', k, entry);
      }
      if (v.statePuts) {
        for (let i = 0; i < BATCH; i++) {
          rng = (rng * 1103515245 + 12345) & 0x7fffffff;
          batch.put('meta', keys[rng % KEYSPACE]!, VALUE);
        }
      }
      applied.writeBigUInt64BE(BigInt(b));
      batch.put('raft_state', appliedKey, applied);
      storage.write(batch, { sync: v.sync });
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const n = batches * BATCH;
    return { user: cpu.user / n, sys: cpu.system / n, wall: (wall * 1000) / n };
  } finally {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rows: string[][] = [];
// Warm-up, full size: the first run in a process pays for JIT and for first-touching the
// memtable arenas' pages (about 2 us per key more), which later runs get from the allocator.
await run(VARIANTS[0]!);
for (const v of VARIANTS) {
  const r = await run(v);
  const total = r.user + r.sys;
  rows.push([
    v.name,
    r.user.toFixed(2),
    r.sys.toFixed(2),
    r.wall.toFixed(2),
    `${Math.round(1e6 / total / 1000)}k`,
  ]);
}
const head = ['variant', 'user us/key', 'sys us/key', 'wall us/key', 'cap on one core'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`keys ${KEYS}, batch ${BATCH}, keyspace ${KEYSPACE}, value ${VALUE.length} B`);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
