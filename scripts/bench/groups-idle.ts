// Idle cost of many Raft groups (issue 20): starts a 3-node cluster (test/helpers/cluster.ts:
// free ports, temp dirs, removed at the end), measures each node's CPU and RSS while idle
// with group 0 only, creates N groups over disjoint slot ranges on all three nodes with RAFT
// CREATE-GROUP (timed), waits until every group has a leader, lets it settle, and measures
// again over the same window. CPU is utime+stime from /proc/<pid>/stat over the window.
//
//   npm run build && node --conditions=seshat-src --import=tsx scripts/bench/groups-idle.ts \
//     [--groups 1000] [--seconds 60] [--settle 10]
import { readFileSync } from 'node:fs';
import { startCluster, type TestCluster } from '../../test/helpers/cluster.ts';
import { entries, RespClient, show, text } from '../../test/helpers/resp-client.ts';
import { waitUntil } from '../../test/helpers/wait.ts';

const CLK_TCK = 100;
const SLOTS = 16384;
/** Retries over the whole creation (leader changes, timeouts) before giving up. */
const RETRIES_MAX = 200;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Math.round(Number(m[1]) / 1024);
}

/** Per node: CPU as % of one core over `seconds`, and RSS at the end. */
async function measure(c: TestCluster, seconds: number): Promise<string[]> {
  const pids = c.nodes.map((n) => n.server.proc.pid!);
  const before = pids.map(cpuTicks);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsedS = (performance.now() - t0) / 1000;
  return pids.map((pid, i) => {
    const cpu = (100 * (cpuTicks(pid) - before[i]!)) / CLK_TCK / elapsedS;
    return `node ${i + 1}: cpu ${cpu.toFixed(1)}% of a core, rss ${rssMb(pid)} MB`;
  });
}

async function leadersKnown(c: TestCluster, groups: number): Promise<number> {
  let leaders = 0;
  for (const n of c.nodes) {
    const r = await c.query(n.id, ['RAFT', 'GROUPS'], { timeoutMs: 20_000 });
    if (r.type === 'array')
      leaders += r.value.filter((g) => text(entries(g).get('role')!) === 'leader').length;
  }
  return leaders >= groups + 1 ? leaders : 0;
}

async function main(): Promise<void> {
  const groups = arg('groups', 1000);
  const seconds = arg('seconds', 60);
  const settle = arg('settle', 10);
  const c = await startCluster({ size: 3 });
  try {
    const leader = (await c.waitForLeader({ writable: true, known: true })).id;
    console.log(`idle, group 0 only (${seconds} s):`);
    for (const line of await measure(c, seconds)) console.log(`  ${line}`);
    const width = Math.floor(SLOTS / groups);
    let client = await RespClient.connect(c.node(leader).clientPort, { replyTimeoutMs: 60_000 });
    // Slots lent to a group must hold no key of group 0: drop the leader probe's.
    await client.send(['DEL', '__leader_probe']);
    const t0 = performance.now();
    let moves = 0;
    for (let g = 1; g <= groups; g++) {
      const slots = `${(g - 1) * width}-${g * width - 1}`;
      const r = show(await client.send(['RAFT', 'CREATE-GROUP', String(g), slots, '1', '2', '3']));
      if (r === '+OK') {
        if (g % 100 === 0)
          console.log(`  ${g} groups after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        continue;
      }
      // Group 0's leader changed (an overloaded node misses heartbeats): follow it, retry
      // (CREATE-GROUP is idempotent).
      const moved = /^-MOVED \d+ [^:]+:(\d+)$/.exec(r);
      if (/hold keys|not served|not a member/.test(r) || moves > RETRIES_MAX)
        throw new Error(`group ${g}: ${r}`);
      console.log(`  group ${g}: ${r} (retrying)`);
      moves++;
      await client.close();
      await new Promise((res) => setTimeout(res, 500));
      const port =
        moved === null
          ? c.node((await c.waitForLeader({ timeoutMs: 60_000 })).id).clientPort
          : Number(moved[1]);
      client = await RespClient.connect(port, { replyTimeoutMs: 60_000 });
      g--;
    }
    if (moves > 0) console.log(`  ${moves} retries (leader changes of group 0 or members unreachable)`);
    const createdMs = performance.now() - t0;
    await client.close();
    await waitUntil(() => leadersKnown(c, groups), { timeoutMs: 300_000, intervalMs: 1000, what: 'leaders' });
    const electedMs = performance.now() - t0;
    console.log(
      `created ${groups} groups in ${(createdMs / 1000).toFixed(1)} s (${(createdMs / groups).toFixed(1)} ms each, sequential), all led after ${(electedMs / 1000).toFixed(1)} s`,
    );
    await new Promise((r) => setTimeout(r, settle * 1000));
    console.log(`idle, ${groups} created groups + group 0 (${seconds} s):`);
    for (const line of await measure(c, seconds)) console.log(`  ${line}`);
  } finally {
    await c.cleanup();
  }
}

await main();
