// Crash safety of RocksLogStorage with real processes: a child runs a seeded script of
// ticks (random valid log writes for two groups, one synced batch per tick) and is
// SIGKILLed mid-run. Reopened, each group's log must answer every read exactly like the
// MemoryLogStorage model after tick K, where K is the last tick the child reported durable
// or the one after it (written but killed before printing): never a partial tick.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '@seshat/common';
import { openRocksStorage } from '@seshat/storage';
import t from 'tap';
import { RocksLogStorage } from '../src/index.js';
import { probes, readView, TickScript } from './log-ops.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const CHILD = path.join(here, 'fixtures/log-child.ts');
const GROUPS = [1, 2];

function runUntilTicks(dir: string, seed: number, ticks: number): Promise<number> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=seshat-src', '--import=tsx', CHILD, dir, String(seed)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child timed out; output tail: ${out.slice(-200)}`));
    }, 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /tick (\d+)\n(?![\s\S]*tick)/.exec(out);
      if (!killed && m !== null && Number(m[1]) >= ticks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL')
        return reject(new Error(`child exited without being killed: ${out.slice(-300)}`));
      const all = [...out.matchAll(/tick (\d+)\n/g)];
      resolve(Number(all[all.length - 1]![1]));
    });
  });
}

for (const [seed, ticks] of [
  [11, 150],
  [12, 400],
  [13, 900],
] as const) {
  t.test(`seed ${seed}: SIGKILL after about ${ticks} ticks leaves a whole tick`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-rlog-crash-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const reported = await runUntilTicks(dir, seed, ticks);
    const storage = await openRocksStorage(dir);
    t.teardown(() => storage.close());
    const script = new TickScript(seed, GROUPS, (s) => new SeededRandom(s));
    while (script.ticks < reported) script.nextTick();
    const logs = GROUPS.map((g) => new RocksLogStorage(storage, { groupId: g }));
    const view = () =>
      GROUPS.map((g, i) => {
        const model = script.models.get(g)!;
        const p = probes(model, new SeededRandom(script.ticks));
        return {
          want: readView(model, model.snapshot()!, p),
          got: ((): unknown => {
            try {
              return readView(logs[i]!, logs[i]!.storedSnapshot(), p);
            } catch (err) {
              return String(err);
            }
          })(),
        };
      });
    let v = view();
    let matched = v.every((x) => JSON.stringify(x.got) === JSON.stringify(x.want));
    if (!matched) {
      script.nextTick(); // the child may have written tick reported+1 before it could print it
      v = view();
      matched = v.every((x) => JSON.stringify(x.got) === JSON.stringify(x.want));
    }
    t.ok(matched, `state equals the model after tick ${script.ticks} (child reported ${reported})`);
    if (!matched) for (const x of v) t.same(x.got, x.want);
  });
}
