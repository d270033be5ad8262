// The state machine's share of a write: what `KvStateMachine.apply` costs per command for the
// entries the standalone write path produces under `redis-benchmark -c 50 -P 16` (one entry of
// 800 commands per group commit, random keys out of a keyspace, 64-byte values), RocksDB
// write and fsync included. No RESP, no sockets. Prints CPU microseconds per command (user,
// sys, every thread of the process) after a full-size warm-up run.
//
//   npm run bench:apply [-- --commands 1600000 --batch 800 --keyspace 100000 --test set]
//
// Pin it to a core (taskset -c 1) to compare with `npm run bench`, whose servers are pinned.
// Tests: set (SET key value), get (GET key, through `read`, no write).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRocksStorage } from '../../crates-ts/storage/src/index.js';
import {
  encodeEntry,
  KvStateMachine,
  resolveCommand,
  type CommandSpec,
} from '../../crates-ts/kv/src/index.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

const COMMANDS = Number(arg('commands', '1600000'));
const BATCH = Number(arg('batch', '800'));
const KEYSPACE = Number(arg('keyspace', '100000'));
const TESTS = arg('test', 'set,get').split(',');
const VALUE = Buffer.alloc(64, 0x78);
const SET = Buffer.from('SET');
const GET = Buffer.from('GET');

function key(i: number): Buffer {
  return Buffer.from(`key:${String(i).padStart(12, '0')}`, 'latin1');
}

async function run(test: string): Promise<{ user: number; sys: number; wall: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-bench-apply-'));
  const storage = await openRocksStorage(dir);
  try {
    const sm = new KvStateMachine(storage);
    const keys: Buffer[] = [];
    for (let i = 0; i < KEYSPACE; i++) keys.push(key(i));
    let rng = 12345;
    const next = (): Buffer => {
      rng = (rng * 1103515245 + 12345) & 0x7fffffff;
      return keys[rng % KEYSPACE]!;
    };
    let index = 0;
    const applySets = (n: number): void => {
      for (let done = 0; done < n; done += BATCH) {
        const commands = [];
        for (let i = 0; i < BATCH; i++) commands.push({ db: 0, argv: [SET, next(), VALUE] });
        const bytes = encodeEntry(Date.now(), rng, commands);
        sm.apply(++index, bytes, { sync: true });
      }
    };
    if (test === 'get') applySets(KEYSPACE * 2);
    const spec = resolveCommand([GET, keys[0]!]) as CommandSpec;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    if (test === 'set') applySets(COMMANDS);
    else for (let i = 0; i < COMMANDS; i++) sm.read(spec, 0, [GET, next()], Date.now());
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { user: cpu.user / COMMANDS, sys: cpu.system / COMMANDS, wall: (wall * 1000) / COMMANDS };
  } finally {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`commands ${COMMANDS}, batch ${BATCH}, keyspace ${KEYSPACE}, value ${VALUE.length} B`);
for (const test of TESTS) {
  await run(test); // warm-up: JIT, memtable pages
  const r = await run(test);
  console.log(
    `${test}: user ${r.user.toFixed(2)} us, sys ${r.sys.toFixed(2)} us, wall ${r.wall.toFixed(2)} us per command` +
      ` (cap on one core ${Math.round(1e6 / (r.user + r.sys) / 1000)}k/s)`,
  );
}
