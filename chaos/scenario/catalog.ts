/**
 * The named chaos scenarios: each a fault schedule run against the cluster while the
 * workloads run, with its own pass criteria (on top of the history checkers and the
 * convergence check that every run gets). Faults repeat in cycles until the fault phase
 * ends; every scenario must inject its fault at least once (a run too short to do so fails).
 */
import { ChaosError, pollUntil } from '../cluster/poll.ts';
import type { ScenarioContext } from './context.ts';
import { fmtMs, longestGap, okTimes, probeRead, probeWrite, timeToLeader, timeToStepDown } from './probes.ts';

export interface Scenario {
  name: string;
  summary: string;
  /** Voters at start (default 3). */
  size?: number;
  /** Node ids available to addNode, given the run duration (default size). */
  maxNodes?: (durationMs: number) => number;
  /** Extra server flags for every node. */
  args?: string[];
  run(ctx: ScenarioContext): Promise<void>;
}

/** Election target of the issue: a new writable leader within 2 s of losing the old one. */
const FAILOVER_MS_MAX = 2000;
/** Slack for elections under partitions and restarts (several election rounds may be needed). */
const RECOVERY_MS_MAX = 10_000;
/** With 2 of 3 nodes up or 100 ms links, acknowledged operations never stop longer than this. */
const AVAILABILITY_GAP_MS_MAX = 3000;

/** Collects the per-cycle outcomes of one criterion into one check. */
class Criterion {
  private readonly seen: string[] = [];
  private bad = 0;
  constructor(
    private readonly ctx: ScenarioContext,
    private readonly name: string,
  ) {}

  add(ok: boolean, detail: string): void {
    if (!ok) this.bad++;
    this.seen.push(ok ? detail : `FAILED ${detail}`);
    if (!ok) this.ctx.event(`${this.name}: FAILED ${detail}`);
  }

  /** Records the check; no observation at all is a failure (the fault never happened). */
  done(): void {
    const n = this.seen.length;
    const ok = n > 0 && this.bad === 0;
    const shown =
      this.seen.length > 8 ? [...this.seen.slice(0, 4), '...', ...this.seen.slice(-3)] : this.seen;
    this.ctx.check(
      this.name,
      ok,
      n === 0 ? 'never observed (run too short?)' : `${n} cycles: ${shown.join('; ')}`,
    );
  }
}

/** Runs `fault` every `quietMs` (plus jitter) until the fault phase ends. */
async function cycles(ctx: ScenarioContext, quietMs: number, fault: () => Promise<void>): Promise<void> {
  for (;;) {
    await ctx.pace(quietMs + ctx.between(0, quietMs / 2));
    if (!ctx.running()) return;
    await fault();
  }
}

async function leader(ctx: ScenarioContext): Promise<number> {
  return ctx.cluster.waitForLeader({ timeoutMs: 30_000 });
}

function othersOf(ctx: ScenarioContext, id: number): number[] {
  return ctx.cluster
    .memberNodes()
    .map((n) => n.id)
    .filter((x) => x !== id);
}

/** The longest stretch without an acknowledged operation inside [from, to]. */
function gapIn(ctx: ScenarioContext, from: number, to: number): number {
  return longestGap(okTimes(ctx.recorder.history), from, to);
}

const killLeader: Scenario = {
  name: 'kill-leader',
  summary: 'kill -9 the leader; a new leader within 2 s, writes continue; restart it',
  async run(ctx) {
    const failover = new Criterion(ctx, `new writable leader within ${FAILOVER_MS_MAX} ms`);
    await cycles(ctx, 2000, async () => {
      const l = await leader(ctx);
      const heal = ctx.fault('kill9', `leader ${l}`);
      await ctx.cluster.kill9(l);
      const next = await timeToLeader(ctx.cluster, [l]);
      failover.add(next.ms <= FAILOVER_MS_MAX, `${l}->${next.id} in ${fmtMs(next.ms)}`);
      await ctx.pace(1500);
      await ctx.cluster.restart(l);
      heal();
    });
    failover.done();
  },
};

const killFollower: Scenario = {
  name: 'kill-follower',
  summary: 'kill -9 a follower; the cluster goes on with 2 of 3; restart it',
  async run(ctx) {
    const avail = new Criterion(ctx, `no gap over ${AVAILABILITY_GAP_MS_MAX} ms in acknowledged operations`);
    await cycles(ctx, 2000, async () => {
      const l = await leader(ctx);
      const f = ctx.pick(othersOf(ctx, l));
      const heal = ctx.fault('kill9', `follower ${f}`);
      const from = ctx.now();
      await ctx.cluster.kill9(f);
      await ctx.pace(4000);
      const gap = gapIn(ctx, from, ctx.now());
      avail.add(gap <= AVAILABILITY_GAP_MS_MAX, `follower ${f} down, longest gap ${fmtMs(gap)}`);
      await ctx.cluster.restart(f);
      heal();
    });
    avail.done();
  },
};

/** Splits off `minority`, checks the majority elects/keeps a leader and the minority refuses. */
async function splitAndCheck(
  ctx: ScenarioContext,
  minority: number[],
  kind: string,
  crit: { serve: Criterion; refuse: Criterion },
): Promise<void> {
  const c = ctx.cluster;
  const majority = c
    .memberNodes()
    .map((n) => n.id)
    .filter((id) => !minority.includes(id));
  c.partition([minority, majority]);
  const heal = ctx.fault(kind, `[${minority}] | [${majority}]`);
  const next = await timeToLeader(c, minority, RECOVERY_MS_MAX).catch((e: unknown) => ({
    id: 0,
    ms: Number.NaN,
    e,
  }));
  crit.serve.add(
    next.id !== 0,
    next.id === 0 ? 'no leader in the majority' : `leader ${next.id} in ${fmtMs(next.ms)}`,
  );
  for (const m of minority) {
    const [w, r] = await Promise.all([probeWrite(c, m), probeRead(c, m)]);
    crit.refuse.add(
      w.refused && r.refused,
      `node ${m}: SET -> ${w.reply.slice(0, 60)}; GET -> ${r.reply.slice(0, 60)}`,
    );
  }
  await ctx.pace(1500);
  c.heal();
  heal();
}

/**
 * Overlapping majorities (Jepsen's "ring"; with 3 nodes a bridge): the leader and one other
 * node lose their link both ways, and each still reaches a majority through the third.
 * Some leader must keep acknowledging writes.
 */
async function ringAndCheck(ctx: ScenarioContext, serve: Criterion): Promise<void> {
  const c = ctx.cluster;
  const l = await leader(ctx);
  const b = ctx.pick(othersOf(ctx, l));
  c.cutLinks([
    [l, b],
    [b, l],
  ]);
  const bridge = othersOf(ctx, l).filter((id) => id !== b);
  const heal = ctx.fault('ring', `${l} x ${b}, bridged by [${bridge}]`);
  await ctx.pace(1000);
  const next = await timeToLeader(c, [], RECOVERY_MS_MAX).catch(() => null);
  serve.add(next !== null, next === null ? 'no writable leader' : `leader ${next.id} acknowledges writes`);
  await ctx.pace(1000);
  c.heal();
  heal();
}

const partitionMajority: Scenario = {
  name: 'partition-majority',
  summary:
    'majority/minority split (the leader on either side), alternating with overlapping majorities; the majority serves, the minority refuses',
  async run(ctx) {
    const serve = new Criterion(ctx, 'the majority has a writable leader');
    const refuse = new Criterion(ctx, 'the minority refuses writes and linearizable reads');
    const ring = new Criterion(ctx, 'overlapping majorities keep a writable leader');
    let round = 0;
    await cycles(ctx, 2000, async () => {
      if (round++ % 2 === 1) return await ringAndCheck(ctx, ring);
      const l = await leader(ctx);
      const m = ctx.random.nextFloat() < 0.5 ? l : ctx.pick(othersOf(ctx, l));
      await splitAndCheck(ctx, [m], 'partition', { serve, refuse });
    });
    serve.done();
    refuse.done();
    if (round > 1) ring.done();
  },
};

const isolateLeader: Scenario = {
  name: 'isolate-leader',
  summary: 'cut the leader off both ways; a new leader is elected, the old one cannot commit',
  async run(ctx) {
    const serve = new Criterion(ctx, 'a new writable leader among the others');
    const refuse = new Criterion(ctx, 'the isolated old leader refuses writes and linearizable reads');
    await cycles(ctx, 2000, async () => {
      const l = await leader(ctx);
      await splitAndCheck(ctx, [l], 'isolate', { serve, refuse });
    });
    serve.done();
    refuse.done();
  },
};

const partitionOneway: Scenario = {
  name: 'partition-oneway',
  summary: "cut only the leader's outgoing links; the others elect a leader and the old one steps down",
  async run(ctx) {
    const serve = new Criterion(ctx, 'a new writable leader among the others');
    const down = new Criterion(ctx, 'the old leader steps down');
    await cycles(ctx, 2000, async () => {
      const c = ctx.cluster;
      const l = await leader(ctx);
      const others = othersOf(ctx, l);
      c.cutLinks(others.map((o) => [l, o] as [number, number]));
      const heal = ctx.fault('oneway', `${l} -> [${others}] cut`);
      const next = await timeToLeader(c, [l], RECOVERY_MS_MAX).catch(() => null);
      serve.add(next !== null, next === null ? 'none' : `leader ${next.id} in ${fmtMs(next.ms)}`);
      const ms = await timeToStepDown(c, l).catch(() => null);
      down.add(ms !== null, ms === null ? `node ${l} still leader` : `node ${l} stepped down`);
      await ctx.pace(1000);
      c.heal();
      heal();
    });
    serve.done();
    down.done();
  },
};

const quorumLoss: Scenario = {
  name: 'quorum-loss',
  summary: 'two of three nodes down (kill -9 or SIGSTOP); writes refused, not lost; service returns',
  async run(ctx) {
    const c = ctx.cluster;
    const refuse = new Criterion(ctx, 'the survivor refuses writes and linearizable reads');
    const back = new Criterion(ctx, `a writable leader within ${RECOVERY_MS_MAX} ms of recovery`);
    let round = 0;
    await cycles(ctx, 2500, async () => {
      const l = await leader(ctx);
      const ids = c.memberNodes().map((n) => n.id);
      const survivor = ctx.pick(ids);
      const gone = ids.filter((id) => id !== survivor);
      const pause = round++ % 2 === 1;
      const heal = ctx.fault(pause ? 'pause' : 'kill9', `[${gone}] (leader was ${l})`);
      for (const id of gone)
        if (pause) c.pause(id);
        else await c.kill9(id);
      const [w, r] = await Promise.all([probeWrite(c, survivor), probeRead(c, survivor)]);
      refuse.add(
        w.refused && r.refused,
        `node ${survivor}: SET -> ${w.reply.slice(0, 60)}; GET -> ${r.reply.slice(0, 60)}`,
      );
      await ctx.pace(1000);
      for (const id of gone)
        if (pause) c.resume(id);
        else await c.restart(id);
      heal();
      const next = await timeToLeader(c, [], RECOVERY_MS_MAX).catch(() => null);
      back.add(next !== null, next === null ? 'no leader' : `leader ${next.id} in ${fmtMs(next.ms)}`);
    });
    refuse.done();
    back.done();
  },
};

const killLeaderWrites: Scenario = {
  name: 'kill-leader-writes',
  summary: 'kill -9 the leader in the middle of writes, often; no corruption, history linearizable',
  async run(ctx) {
    const kills = new Criterion(ctx, 'the cluster recovers after each kill');
    await cycles(ctx, 800, async () => {
      const l = await leader(ctx);
      const heal = ctx.fault('kill9', `leader ${l}`);
      await ctx.cluster.kill9(l);
      const next = await timeToLeader(ctx.cluster, [l], RECOVERY_MS_MAX).catch(() => null);
      kills.add(next !== null, next === null ? `no leader after killing ${l}` : `${l}->${next.id}`);
      await ctx.cluster.restart(l);
      heal();
    });
    kills.done();
  },
};

const restartAll: Scenario = {
  name: 'restart-all',
  summary: 'kill -9 every node, start them all again; everything acknowledged is back',
  async run(ctx) {
    const c = ctx.cluster;
    const back = new Criterion(ctx, `a writable leader within ${RECOVERY_MS_MAX} ms of the restart`);
    await cycles(ctx, 3000, async () => {
      const ids = c.live().map((n) => n.id);
      const heal = ctx.fault('kill9-all', `[${ids}]`);
      await Promise.all(ids.map((id) => c.kill9(id)));
      await Promise.all(ids.map((id) => c.restart(id)));
      heal();
      const next = await timeToLeader(c, [], RECOVERY_MS_MAX).catch(() => null);
      back.add(next !== null, next === null ? 'no leader' : `leader ${next.id} in ${fmtMs(next.ms)}`);
    });
    back.done();
  },
};

const slowNetwork: Scenario = {
  name: 'slow-network',
  summary: 'every link delayed 100 ms (+0..20 ms jitter), some phases with 5% loss; still available',
  async run(ctx) {
    const c = ctx.cluster;
    const avail = new Criterion(ctx, `no gap over ${AVAILABILITY_GAP_MS_MAX} ms in acknowledged operations`);
    let round = 0;
    await cycles(ctx, 1000, async () => {
      const lossy = round++ % 2 === 1;
      c.delayAll(100, 20);
      if (lossy) c.lossAll(0.05);
      const heal = ctx.fault('slow', lossy ? '100 ms, 5% loss' : '100 ms');
      const from = ctx.now();
      await ctx.pace(6000);
      const gap = gapIn(ctx, from, ctx.now());
      avail.add(gap <= AVAILABILITY_GAP_MS_MAX, `longest gap ${fmtMs(gap)}`);
      c.heal();
      heal();
    });
    avail.done();
  },
};

const LOG_MAX_ENTRIES = 300;
const LOG_KEPT_ENTRIES = 100;
/** A log may overshoot the compaction threshold by what arrives between two compactions. */
const LOG_LENGTH_MAX = 4 * (LOG_MAX_ENTRIES + LOG_KEPT_ENTRIES);
const RSS_BYTES_MAX = 1024 * 1024 * 1024;

const compactionUnderLoad: Scenario = {
  name: 'compaction-under-load',
  summary: `log compaction every ${LOG_MAX_ENTRIES} entries under load, snapshots forced, followers catching up by snapshot`,
  args: [
    '--raft-log-max-entries',
    String(LOG_MAX_ENTRIES),
    '--raft-log-kept-entries',
    String(LOG_KEPT_ENTRIES),
  ],
  async run(ctx) {
    const c = ctx.cluster;
    const bounded = new Criterion(
      ctx,
      `log length <= ${LOG_LENGTH_MAX} entries and RSS <= 1 GiB on every node`,
    );
    const catchUp = new Criterion(ctx, 'a follower restarted behind the compacted log catches up');
    let round = 0;
    const sample = async (): Promise<void> => {
      for (const n of c.running()) {
        const info = await c.raftInfo(n.id).catch(() => null);
        const mem = await c.query(n.id, ['INFO', 'memory']).catch(() => null);
        if (info === null || mem === null || mem.type !== 'bulk') continue;
        const len = Number(info.raft_last_index) - Number(info.raft_first_index) + 1;
        const rss = Number(/used_memory_rss:(\d+)/.exec(mem.value.toString())?.[1] ?? 0);
        bounded.add(
          len <= LOG_LENGTH_MAX && rss <= RSS_BYTES_MAX,
          `node ${n.id}: log ${len}, rss ${Math.round(rss / 2 ** 20)} MiB`,
        );
      }
    };
    await cycles(ctx, 1500, async () => {
      await sample();
      const l = await leader(ctx);
      if (round++ % 2 === 0) {
        const f = ctx.pick(othersOf(ctx, l));
        const heal = ctx.fault('kill9', `follower ${f} while the log compacts`);
        await c.kill9(f);
        await ctx.pace(3000);
        await c.restart(f);
        const target = Number(
          (await c.raftInfo(l).catch(() => ({ raft_commit_index: '0' }))).raft_commit_index,
        );
        const ok = await pollUntil(async () => Number((await c.raftInfo(f)).raft_applied_index) >= target, {
          timeoutMs: 30_000,
          what: `node ${f} to catch up`,
        }).then(
          () => true,
          () => false,
        );
        catchUp.add(ok, `node ${f} reached ${target}`);
        heal();
      } else {
        const n = ctx.pick(c.running().map((x) => x.id));
        const heal = ctx.fault('snapshot', `RAFT SNAPSHOT on ${n}`);
        await c.query(n, ['RAFT', 'SNAPSHOT'], 10_000).catch(() => null);
        heal();
      }
    });
    await sample();
    bounded.done();
    catchUp.done();
  },
};

const CLOCK_SKEW_MS = 30_000;

const clockSkew: Scenario = {
  name: 'clock-skew',
  summary:
    'one node 30 s ahead or behind (sometimes the leader, which stamps entries); no effect on correctness',
  args: ['--enable-debug-command', 'yes'],
  async run(ctx) {
    const c = ctx.cluster;
    const applied = new Criterion(ctx, 'skew applied and the skewed node serves as leader');
    let round = 0;
    await cycles(ctx, 1500, async () => {
      const l = await leader(ctx);
      const n = round % 2 === 0 ? l : ctx.pick(othersOf(ctx, l));
      const skew = round++ % 4 < 2 ? CLOCK_SKEW_MS : -CLOCK_SKEW_MS;
      await c.clockOffset(n, skew);
      const heal = ctx.fault('clock', `node ${n} ${skew > 0 ? '+' : ''}${skew / 1000} s`);
      await ctx.pace(1500);
      let led = false;
      try {
        await c.transferLeader(n);
        led = (await c.waitForLeader({ timeoutMs: RECOVERY_MS_MAX })) === n;
      } catch (e) {
        if (!(e instanceof ChaosError)) throw e;
      }
      applied.add(true, `node ${n} ${skew} ms${led ? ', led' : ''}`);
      await ctx.pace(2000);
      await c.clockOffset(n, 0);
      heal();
    });
    applied.done();
  },
};

/** Seconds between membership changes in membership-churn. */
const CHURN_PERIOD_MS = 12_000;
const CHURN_IDS_MAX = 24;

const membershipChurn: Scenario = {
  name: 'membership-churn',
  summary:
    'add a node (learner, promote), transfer leadership, remove a node, kill -9 a follower, under load',
  maxNodes: (d) => Math.min(CHURN_IDS_MAX, 3 + Math.ceil(d / CHURN_PERIOD_MS) + 1),
  async run(ctx) {
    const c = ctx.cluster;
    const changes = new Criterion(ctx, 'membership changes complete with a writable leader after each');
    await cycles(ctx, 1000, async () => {
      if (c.nodes.some((n) => n.state === 'unborn')) {
        const heal = ctx.fault('add', 'new node');
        const id = await c.addNode();
        heal();
        changes.add(true, `added ${id}`);
      }
      const voters = c.memberNodes().map((n) => n.id);
      const to = ctx.pick(voters);
      const healT = ctx.fault('transfer', `to ${to}`);
      await c.transferLeader(to).catch(() => undefined);
      await leader(ctx);
      healT();
      await ctx.pace(1500);
      if (voters.length > 3) {
        const l = await leader(ctx);
        const gone = ctx.pick(othersOf(ctx, l));
        const heal = ctx.fault('remove', `node ${gone}`);
        await c.removeNode(gone);
        heal();
        const next = await timeToLeader(c, [], RECOVERY_MS_MAX).catch(() => null);
        changes.add(next !== null, `removed ${gone}`);
      }
      await ctx.pace(1500);
      const l = await leader(ctx);
      const f = ctx.pick(othersOf(ctx, l));
      const heal = ctx.fault('kill9', `follower ${f}`);
      await c.kill9(f);
      await ctx.pace(2000);
      await c.restart(f);
      heal();
    });
    changes.done();
  },
};

const pauseLeader: Scenario = {
  name: 'pause-leader',
  summary: 'SIGSTOP the leader for longer than the election timeout, then SIGCONT; it steps down',
  async run(ctx) {
    const c = ctx.cluster;
    const serve = new Criterion(ctx, `a new writable leader within ${FAILOVER_MS_MAX} ms of the pause`);
    const down = new Criterion(ctx, 'the resumed old leader steps down');
    await cycles(ctx, 2000, async () => {
      const l = await leader(ctx);
      const heal = ctx.fault('pause', `leader ${l}`);
      c.pause(l);
      const next = await timeToLeader(c, [l], RECOVERY_MS_MAX).catch(() => null);
      serve.add(
        next !== null && next.ms <= FAILOVER_MS_MAX,
        next === null ? 'none' : `${l}->${next.id} in ${fmtMs(next.ms)}`,
      );
      await ctx.pace(1500);
      c.resume(l);
      heal();
      const ms = await timeToStepDown(c, l).catch(() => null);
      down.add(ms !== null, ms === null ? `node ${l} still leader` : `node ${l} stepped down after resume`);
    });
    serve.done();
    down.done();
  },
};

export const SCENARIOS: readonly Scenario[] = [
  killLeader,
  killFollower,
  partitionMajority,
  partitionOneway,
  isolateLeader,
  quorumLoss,
  killLeaderWrites,
  restartAll,
  slowNetwork,
  compactionUnderLoad,
  clockSkew,
  membershipChurn,
  pauseLeader,
];

export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (s === undefined)
    throw new ChaosError(
      'BAD_STATE',
      `unknown scenario '${name}' (known: ${SCENARIOS.map((x) => x.name).join(', ')})`,
    );
  return s;
}
