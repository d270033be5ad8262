// The etcd side of `npm run bench -- --cluster 3`: a 3-member etcd 3.4 on this machine, measured
// with the shared bench scripts (../shared/bench: etcd-cluster.sh, etcd-bench.mjs) right after
// the Seshat cluster, in the same run, so that the ratios the replication issue asks for come
// from one run on one machine:
//   - puts/s with 64 in flight (closed loop) against Seshat's SET -c 50 -P 1;
//   - the p50 of puts one at a time against Seshat's SET -c 1.
// Both go to etcd's leader (a put through a follower is forwarded, as SET through a Seshat
// follower is; the leader row is the like-for-like one).
//
// Needs the `etcd` binary (apt-get install etcd-server) and the shared bench's npm packages
// (installed here with `npm ci` on first use). Missing either: the etcd rows are skipped with
// the reason, the rest of the bench stands.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Seconds each etcd measurement runs (after etcd-bench's 2 s warm-up). */
const ETCD_RUN_S = 10;
/** etcd-cluster.sh takes BASE_PORT..BASE_PORT+5. */
const ETCD_PORTS = 6;

export function sharedBenchDir(repo) {
  return process.env.SHARED_BENCH_DIR ?? path.resolve(repo, '..', 'shared', 'bench');
}

/** Why the etcd rows cannot run here, or null. */
export function etcdUnavailable(dir) {
  if (spawnSync('sh', ['-c', 'command -v etcd'], { stdio: 'ignore' }).status !== 0)
    return 'etcd not found (apt-get install etcd-server)';
  if (!fs.existsSync(path.join(dir, 'etcd-bench.mjs'))) return `${dir}/etcd-bench.mjs not found`;
  if (!fs.existsSync(path.join(dir, 'node_modules', '@grpc', 'proto-loader'))) {
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--silent'], { cwd: dir, stdio: 'inherit' });
    if (r.status !== 0) return `npm ci in ${dir} failed`;
  }
  return null;
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port with ETCD_PORTS free ports above it. */
async function freeBase() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let p = base; p < base + ETCD_PORTS && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error('no free port range for etcd');
}

function cluster(dir, env, verb) {
  const r = spawnSync('bash', [path.join(dir, 'etcd-cluster.sh'), verb], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`etcd-cluster.sh ${verb}: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

/** One etcd-bench run set; the median line's {ops_per_s, p50_ms}. */
function putBench(dir, endpoint, concurrency, runs) {
  const args = [
    path.join(dir, 'etcd-bench.mjs'),
    ...['--endpoints', endpoint, '--op', 'put', '--concurrency', String(concurrency)],
    ...['--duration', String(ETCD_RUN_S), '--runs', String(runs), '--no-header', '--label', 'etcd'],
  ];
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`etcd-bench: ${r.stderr}`);
  // label,op,transport,concurrency,conns,run,ops_per_s,p50_ms,p90_ms,p99_ms,max_ms,errors,cpu
  const lines = r.stdout.trim().split('\n').filter(Boolean);
  const last = lines[lines.length - 1].split(',');
  return { opsPerS: Number(last[6]), p50Ms: Number(last[7]), runs: lines.length };
}

/**
 * Starts etcd, measures puts at 64 in flight and at 1, stops it. `repeats` runs each (the
 * median is kept). Returns null (after printing why) when etcd cannot run here.
 */
export async function benchEtcd(repo, repeats) {
  const dir = sharedBenchDir(repo);
  const why = etcdUnavailable(dir);
  if (why !== null) {
    console.error(`etcd rows skipped: ${why}`);
    return null;
  }
  const benchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-bench-etcd-'));
  const base = await freeBase();
  const env = { ...process.env, BENCH_DIR: benchDir, BASE_PORT: String(base) };
  try {
    cluster(dir, env, 'start');
    let leader = '';
    for (let i = 0; i < 100 && leader === ''; i++) {
      leader = cluster(dir, env, 'leader').replace(/^https?:\/\//, '');
      if (leader === '') await new Promise((r) => setTimeout(r, 100));
    }
    if (leader === '') throw new Error('etcd elected no leader');
    console.error(`etcd: 3 members from port ${base}, leader ${leader}`);
    const loaded = putBench(dir, leader, 64, repeats);
    const single = putBench(dir, leader, 1, repeats);
    return { loaded, single };
  } finally {
    try {
      cluster(dir, env, 'stop');
    } catch (e) {
      console.error(`etcd stop: ${e.message}`);
    }
    fs.rmSync(benchDir, { recursive: true, force: true });
  }
}

/** The ratios from Seshat's summary rows and the etcd numbers. */
export function etcdComparison(rows, etcd) {
  const setP1 = rows.find((r) => r.test === 'SET' && r.pipeline === 1)?.seshat;
  const setC1 = rows.find((r) => r.test === 'SET_C1')?.seshat;
  return {
    etcdPutsPerS: etcd.loaded.opsPerS,
    etcdPutP50Ms: etcd.single.p50Ms,
    seshatSetP1PerS: setP1?.rps,
    seshatSetC1P50Ms: setC1?.p50_ms,
    throughputRatio: setP1 === undefined ? undefined : setP1.rps / etcd.loaded.opsPerS,
    latencyRatio: setC1 === undefined ? undefined : setC1.p50_ms / etcd.single.p50Ms,
  };
}

export function printEtcdComparison(c) {
  const f = (x, d = 2) => (x === undefined ? '-' : x.toFixed(d));
  console.log('');
  console.log('| 3-node writes | Seshat | etcd 3.4 | ratio | target |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| SET -c 50 -P 1 vs put, 64 in flight (ops/s) | ${f(c.seshatSetP1PerS, 0)} | ${f(c.etcdPutsPerS, 0)} | ${f(c.throughputRatio)} | >= 3 |`,
  );
  console.log(
    `| SET -c 1 vs put, 1 in flight (p50 ms) | ${f(c.seshatSetC1P50Ms, 3)} | ${f(c.etcdPutP50Ms, 3)} | ${f(c.latencyRatio)} | <= 0.5 |`,
  );
}
