// Raft core throughput: proposals committed per second through three in-memory nodes in
// one process, for several batch sizes (proposals per driver loop turn), and the memory
// allocated per proposal. Everything but the core is minimal: MemoryLogStorage, direct
// message hand-off, apply = count. Prints a table.
//
//   npm run bench:raft [-- --seconds 2]
import v8 from 'node:v8';
import { SeededRandom } from '@seshat/common';
import {
  bootstrapStorage,
  EntryType,
  MemoryLogStorage,
  type Message,
  RawNode,
  StateRole,
} from '../../crates-ts/raft/src/index.js';

const BATCH_SIZES = [1, 16, 256];
const PAYLOAD_BYTES = 64;
/** Stop proposing while this many proposals are in the pipeline (back-pressure). */
const PIPELINE_MAX = 4096;

interface Node {
  raw: RawNode;
  storage: MemoryLogStorage;
}

class BenchCluster {
  readonly nodes: Node[] = [];
  private queue: Message[] = [];
  applied = 0;

  constructor() {
    const cs = { voters: [1, 2, 3], learners: [], removed: [] };
    for (const id of [1, 2, 3]) {
      const storage = new MemoryLogStorage();
      bootstrapStorage(storage, cs);
      const raw = new RawNode({ id, groupId: 1, applied: 1 }, storage, new SeededRandom(id));
      this.nodes.push({ raw, storage });
    }
    this.nodes[0]!.raw.campaign();
    for (let i = 0; i < 20; i++) this.turn();
    if (this.nodes[0]!.raw.raft.role !== StateRole.Leader) throw new Error('bench: no leader');
    this.applied = 0;
  }

  /** One driver loop turn on every node: Ready, persist, send, apply, advance; deliver. */
  turn(): void {
    for (let n = 0; n < this.nodes.length; n++) {
      const node = this.nodes[n]!;
      if (!node.raw.hasReady()) continue;
      const rd = node.raw.ready();
      for (const m of rd.messages) this.queue.push(m);
      if (rd.entries.length > 0) node.storage.append(rd.entries);
      if (rd.hardState !== null) node.storage.setHardState(rd.hardState);
      for (const m of rd.messagesAfterPersist) this.queue.push(m);
      if (n === 0) {
        for (const e of rd.committedEntries)
          if (e.type === EntryType.Normal && e.data.byteLength > 0) this.applied++;
      }
      node.raw.advance();
    }
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) this.nodes[m.to - 1]!.raw.step(m);
  }

  /** Keep the leader's storage from growing without bound (the state machine snapshots). */
  compact(): void {
    for (const node of this.nodes) {
      const applied = node.raw.raft.log.applied;
      if (applied - node.storage.firstIndex() > 20_000) {
        node.storage.createSnapshot(applied, node.raw.status().confState, new Uint8Array(0));
        node.storage.compact(applied - 1000);
      }
    }
  }
}

interface Result {
  batch: number;
  proposalsPerSec: number;
  bytesPerProposal: number;
  gcCount: number;
  gcMs: number;
}

function run(batch: number, seconds: number, sampleHeap: boolean): Result {
  const c = new BenchCluster();
  const leader = c.nodes[0]!.raw;
  const payload = new Uint8Array(PAYLOAD_BYTES);
  const datas = Array.from({ length: batch }, () => payload);
  let proposed = 0;
  let allocated = 0;
  let lastHeap = v8.getHeapStatistics().used_heap_size;
  // GCProfiler reports synchronously on stop(); a PerformanceObserver would never get to
  // run inside this synchronous loop.
  const profiler = new v8.GCProfiler();
  profiler.start();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let turns = 0;
  while ((turns & 63) !== 0 || performance.now() < deadline) {
    if (proposed - c.applied < PIPELINE_MAX) {
      if (batch === 1) leader.propose(payload);
      else leader.proposeBatch(datas);
      proposed += batch;
    }
    c.turn();
    if ((++turns & 63) === 0) c.compact();
    if (sampleHeap) {
      const heap = v8.getHeapStatistics().used_heap_size;
      if (heap > lastHeap) allocated += heap - lastHeap;
      lastHeap = heap;
    }
  }
  const elapsed = (performance.now() - start) / 1000;
  const gcStats = profiler.stop()?.statistics ?? [];
  let gcUs = 0;
  for (const g of gcStats) gcUs += g.cost;
  return {
    batch,
    proposalsPerSec: c.applied / elapsed,
    bytesPerProposal: sampleHeap ? allocated / c.applied : Number.NaN,
    gcCount: gcStats.length,
    gcMs: gcUs / 1000,
  };
}

function main(): void {
  const i = process.argv.indexOf('--seconds');
  const seconds = i >= 0 ? Number(process.argv[i + 1]) : 2;
  console.log(`raft core, 3 in-memory nodes, ${PAYLOAD_BYTES}-byte commands, ${seconds} s per row`);
  console.log('batch | committed/s | alloc B/proposal | GCs (count, ms) in the throughput run');
  console.log('------|-------------|------------------|-------------------------------------');
  for (const batch of BATCH_SIZES) {
    run(batch, 0.3, false); // warm-up
    const speed = run(batch, seconds, false);
    const alloc = run(batch, Math.min(seconds, 1), true);
    console.log(
      `${String(batch).padStart(5)} | ${Math.round(speed.proposalsPerSec).toLocaleString('en-US').padStart(11)} | ` +
        `${Math.round(alloc.bytesPerProposal).toLocaleString('en-US').padStart(16)} | ` +
        `${speed.gcCount}, ${speed.gcMs.toFixed(0)} ms`,
    );
  }
}

main();
