#!/usr/bin/env node
// `npm run bench`: Seshat vs a durable redis-server under the same redis-benchmark workloads,
// measured in one run on one machine, reported as ratios.
//
// What it does:
//   1. `npm run build` (skip with --no-build).
//   2. Starts Seshat (node crates-ts/seshat/dist/main.js, temp data dir) and redis-server with
//      `--appendonly yes --appendfsync always --save ''` (temp dir; `--redis-mode mem` for
//      in-memory), both pinned to CPU 1 with taskset; redis-benchmark is pinned to CPU 0, so a
//      server owns a core, as in the shared baseline method (2-core machines).
//   3. For each repeat, for each pipeline (1, 16), for each test and server (interleaved):
//      `redis-benchmark -c 50 -n N -r 100000 -d 64 -P p -t <test> --csv --precision 3`, plus the
//      unloaded round trip `-c 1 -P 1` for SET and GET (rows SET_C1, GET_C1).
//      redis-benchmark exits at the first error reply, so every test is its own invocation and
//      a rejected test only loses its row (with a warning).
//   4. Prints the medians (rps, p50, p99 independently) as a table with seshat/redis ratios and
//      writes bench-results/bench-<time>.{csv,json} (+ every run in .raw.csv).
// Servers are stopped and temp dirs removed on exit, on error and on Ctrl-C.
//
// Options:
//   --tests a,b,...     redis-benchmark tests (default set,get,incr,mset,ping)
//   --repeats N         runs per configuration, median reported (default 3)
//   --quick             1 repeat, N divided by 5
//   --only seshat|redis bench one server only
//   --port P [--host H] bench an already running server as "seshat" (nothing is started for it)
//   --redis-port P      bench an already running server as "redis"
//   --redis-mode aof|mem  reference redis durability (default aof = appendfsync always)
//   --n-p1 N --n-p16 N --n-c1 N   requests per invocation (defaults 100000, 500000, 20000)
//   --clients N         connections for the loaded rows (default 50)
//   --pipelines 1,16    pipeline depths
//   --no-build          do not run `npm run build`
//   --no-pin            do not use taskset
//   --wait-idle S       before each group, wait up to S s for the machine to be >= 90% idle (default 60, 0 = off)
//   --seshat-arg ARG    extra argument for Seshat (repeatable), e.g. --seshat-arg=--appendfsync --seshat-arg=always
//   --out DIR           results directory (default bench-results)
//   --cluster N         3-node mode (N = 3 or 5): start N Seshat nodes as one Raft group (unpinned:
//                       N servers share the cores) and bench, as separate rows, the leader
//                       ("seshat") and a follower that forwards to it ("via-follower"), beside
//                       redis-server; default tests set,get. Then (unless --no-etcd) a 3-member
//                       etcd 3.4 in the same run (scripts/bench/etcd.mjs, ../shared/bench's
//                       etcd-cluster.sh and etcd-bench.mjs): puts/s at 64 in flight vs SET -c 50
//                       -P 1, and 1-client put p50 vs SET -c 1 p50, printed as ratios.
//   --no-etcd           skip the etcd rows of --cluster
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEtcd, etcdComparison, printEtcdComparison } from './etcd.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SESHAT_MAIN = path.join(REPO, 'crates-ts', 'seshat', 'dist', 'main.js');
// Seshat runs with the environment `npm start` and the `seshat` bin give it: glibc malloc on
// transparent huge pages (docs/operations.md, "Memory").
const SESHAT_ENV = {
  ...process.env,
  GLIBC_TUNABLES:
    process.env.GLIBC_TUNABLES ??
    'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864',
};
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const KEYSPACE = 100_000;
const DATA_SIZE_BYTES = 64;
const SERVER_CPU = '1';
const CLIENT_CPU = '0';

// ---------- options ----------

function parseArgs(argv) {
  const o = {
    tests: ['set', 'get', 'incr', 'mset', 'ping'],
    repeats: 3,
    quick: false,
    only: undefined,
    host: '127.0.0.1',
    port: undefined,
    redisPort: undefined,
    redisMode: 'aof',
    nP1: 100_000,
    nP16: 500_000,
    nC1: 20_000,
    clients: 50,
    pipelines: [1, 16],
    build: true,
    pin: true,
    waitIdleS: 60,
    seshatArgs: [],
    out: path.join(REPO, 'bench-results'),
    cluster: 0,
    etcd: true,
  };
  const args = [...argv];
  const value = (a) => {
    const eq = a.indexOf('=');
    if (eq !== -1) return a.slice(eq + 1);
    const v = args.shift();
    if (v === undefined) throw new Error(`${a} needs a value`);
    return v;
  };
  while (args.length > 0) {
    const a = args.shift();
    const name = a.split('=')[0];
    switch (name) {
      case '--tests':
        o.tests = value(a).split(',').filter(Boolean);
        o.testsGiven = true;
        break;
      case '--no-etcd':
        o.etcd = false;
        break;
      case '--cluster':
        o.cluster = positiveInt(value(a), a);
        if (o.cluster !== 3 && o.cluster !== 5) throw new Error('--cluster takes 3 or 5');
        break;
      case '--repeats':
        o.repeats = positiveInt(value(a), a);
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--only':
        o.only = value(a);
        if (o.only !== 'seshat' && o.only !== 'redis') throw new Error('--only takes seshat or redis');
        break;
      case '--host':
        o.host = value(a);
        break;
      case '--port':
        o.port = positiveInt(value(a), a);
        break;
      case '--redis-port':
        o.redisPort = positiveInt(value(a), a);
        break;
      case '--redis-mode':
        o.redisMode = value(a);
        if (o.redisMode !== 'aof' && o.redisMode !== 'mem') throw new Error('--redis-mode takes aof or mem');
        break;
      case '--n-p1':
        o.nP1 = positiveInt(value(a), a);
        break;
      case '--n-p16':
        o.nP16 = positiveInt(value(a), a);
        break;
      case '--n-c1':
        o.nC1 = Number(value(a));
        break;
      case '--clients':
        o.clients = positiveInt(value(a), a);
        break;
      case '--pipelines':
        o.pipelines = value(a)
          .split(',')
          .map((p) => positiveInt(p, a));
        break;
      case '--no-build':
        o.build = false;
        break;
      case '--no-pin':
        o.pin = false;
        break;
      case '--wait-idle':
        o.waitIdleS = Number(value(a));
        break;
      case '--seshat-arg':
        o.seshatArgs.push(value(a));
        break;
      case '--out':
        o.out = path.resolve(value(a));
        break;
      case '--help':
      case '-h':
        console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0]);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  if (o.quick) {
    o.repeats = 1;
    o.nP1 = Math.ceil(o.nP1 / 5);
    o.nP16 = Math.ceil(o.nP16 / 5);
    o.nC1 = Math.ceil(o.nC1 / 5);
  }
  return o;
}

function positiveInt(s, what) {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what}: not a positive integer: ${s}`);
  return n;
}

// ---------- processes and cleanup ----------

const children = new Set();
let interrupted = false;
const tempDirs = new Set();

function have(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function pinned(cpu, cmd, args, pin) {
  return pin ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns a server and resolves its port once `readyPort(line)` returns one. */
function startProcess(label, cmd, args, readyPort, env = process.env) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    children.add(proc);
    proc.once('exit', () => children.delete(proc));
    let stderr = '';
    let rest = '';
    let done = false;
    const finish = (err, port) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        proc.kill('SIGKILL');
        reject(new Error(`${label}: ${err}\n${stderr.slice(-2000)}`));
      } else resolve({ proc, port });
    };
    const timer = setTimeout(() => finish(`not ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (s) => {
      stderr = (stderr + s).slice(-8000);
    });
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      if (done) return; // keep draining the pipe, ignore logs once ready
      rest += chunk;
      const lines = rest.split('\n');
      rest = lines.pop();
      for (const line of lines) {
        const port = readyPort(line);
        if (port !== undefined) return finish(undefined, port);
      }
    });
    proc.once('error', (e) => finish(`spawn failed: ${e.message}`));
    proc.once('exit', (code, sig) => finish(`exited before ready (code ${code}, signal ${sig})`));
  });
}

function stopProcess(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

async function cleanup() {
  await Promise.all([...children].map(stopProcess));
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

function cleanupSync() {
  for (const p of children) p.kill('SIGKILL');
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
}

function tempDir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** The client port from Seshat's `ready` log line, undefined for any other line. */
function seshatReadyPort(line) {
  if (!line.includes('"ready"')) return undefined;
  try {
    const j = JSON.parse(line);
    return j.msg === 'ready' && typeof j.port === 'number' ? j.port : undefined;
  } catch {
    return undefined;
  }
}

async function startSeshat(o) {
  if (!fs.existsSync(SESHAT_MAIN)) throw new Error(`${SESHAT_MAIN} missing: build first`);
  const dir = tempDir('seshat-bench-');
  const args = [SESHAT_MAIN, '--port', '0', '--bind', '127.0.0.1', '--dir', dir, ...o.seshatArgs];
  const [cmd, argv] = pinned(SERVER_CPU, process.execPath, args, o.pin);
  const { port } = await startProcess('seshat', cmd, argv, seshatReadyPort, SESHAT_ENV);
  return port;
}

/** One RESP command on a fresh connection; resolves the raw reply text. */
function respQuery(port, argv) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no reply'));
    }, 3000);
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const m = /^\$(\d+)\r\n/.exec(buf);
      if (buf.startsWith('-') || buf.startsWith('+') || (m && buf.length >= m[0].length + Number(m[1]) + 2)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(buf);
      }
    });
    sock.write(
      argv
        .map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`)
        .join('')
        .replace(/^/, `*${argv.length}\r\n`),
    );
  });
}

/** Starts an N-node cluster; resolves { leader, follower } client ports once a leader takes writes. */
async function startCluster(o) {
  if (!fs.existsSync(SESHAT_MAIN)) throw new Error(`${SESHAT_MAIN} missing: build first`);
  const ids = Array.from({ length: o.cluster }, (_, i) => i + 1);
  const ports = [];
  for (const _ of ids) ports.push({ client: await freePort(), raft: await freePort() });
  const members = ids
    .map((id, i) => `${id}@127.0.0.1:${ports[i].raft}@127.0.0.1:${ports[i].client}`)
    .join(',');
  await Promise.all(
    ids.map((id, i) => {
      const dir = tempDir(`seshat-bench-n${id}-`);
      const args = [
        SESHAT_MAIN,
        ...['--port', String(ports[i].client), '--bind', '127.0.0.1', '--dir', dir],
        ...['--node-id', String(id), '--raft-port', String(ports[i].raft), '--initial-members', members],
        ...o.seshatArgs,
      ];
      return startProcess(`seshat node ${id}`, process.execPath, args, seshatReadyPort, SESHAT_ENV);
    }),
  );
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    for (let i = 0; i < ids.length; i++) {
      const info = await respQuery(ports[i].client, ['INFO', 'raft']).catch(() => '');
      if (!/raft_role:leader/.test(info)) continue;
      const ok = await respQuery(ports[i].client, ['SET', '__bench_probe', '1']).catch(() => '');
      if (!ok.startsWith('+OK')) continue;
      return { leader: ports[i].client, follower: ports[(i + 1) % ids.length].client };
    }
    if (Date.now() > deadline) throw new Error('no leader accepting writes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startRedis(o) {
  const dir = tempDir('redis-bench-');
  const port = await freePort();
  const durability =
    o.redisMode === 'aof' ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--daemonize',
    'no',
    '--dir',
    dir,
  ];
  const [cmd, argv] = pinned(SERVER_CPU, 'redis-server', [...args, ...durability], o.pin);
  await startProcess('redis-server', cmd, argv, (line) =>
    line.includes('Ready to accept connections') ? port : undefined,
  );
  return port;
}

// ---------- measuring ----------

function cpuTimes() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { total: f.reduce((a, b) => a + b, 0), idle: f[3] + f[4] };
}

/** Waits until the machine is >= 90% idle for 2 consecutive seconds, at most `maxS` seconds. */
async function waitIdle(maxS) {
  if (!maxS || !fs.existsSync('/proc/stat')) return;
  const deadline = Date.now() + maxS * 1000;
  let ok = 0;
  let prev = cpuTimes();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const cur = cpuTimes();
    const pct = (100 * (cur.idle - prev.idle)) / Math.max(1, cur.total - prev.total);
    prev = cur;
    ok = pct >= 90 ? ok + 1 : 0;
    if (ok >= 2) return;
  }
  console.error(`wait-idle: machine still busy after ${maxS} s; continuing`);
}

/** One redis-benchmark invocation; returns rows {test, rps, p50, p99} or [] on failure. */
function redisBenchmark(o, port, { clients, pipeline, n, test }) {
  const args = [
    '-h',
    o.host,
    '-p',
    String(port),
    '-c',
    String(clients),
    '-P',
    String(pipeline),
    '-n',
    String(n),
  ];
  args.push('-r', String(KEYSPACE), '-d', String(DATA_SIZE_BYTES), '-t', test, '--csv', '--precision', '3');
  const [cmd, argv] = pinned(CLIENT_CPU, 'redis-benchmark', args, o.pin);
  return new Promise((resolve) => {
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.stderr.on('data', (d) => {
      err += d;
    });
    proc.once('exit', (code) => {
      children.delete(proc);
      const rows = parseCsv(out);
      const errorLine = `${out}\n${err}`.split('\n').find((l) => /^(Error|ERR|WRONGTYPE)/.test(l));
      if (code !== 0 || errorLine || rows.length === 0) {
        console.error(
          `WARNING: port ${port} test=${test} P=${pipeline} c=${clients}: rc=${code}, no row; ${errorLine ?? err.trim().slice(0, 200)}`,
        );
        resolve([]);
      } else resolve(rows);
    });
  });
}

/** Parses redis-benchmark --csv: "test","rps","avg","min","p50","p95","p99","max". */
function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('"') || line.startsWith('"test"')) continue;
    const f = line.split('","').map((s) => s.replace(/"/g, ''));
    const test = f[0].replace(/ \(.*\)$/, '').replace(/ /g, '_');
    rows.push({ test, rps: Number(f[1]), p50: Number(f[4]), p99: Number(f[6]) });
  }
  return rows;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The matrix of invocations of one repeat: loaded rows per pipeline, then the C1 rows. */
function configurations(o) {
  const out = [];
  for (const p of o.pipelines) {
    for (const test of o.tests) {
      out.push({
        group: `P${p}`,
        clients: o.clients,
        pipeline: p,
        n: p > 1 ? o.nP16 : o.nP1,
        test,
        suffix: '',
      });
    }
  }
  if (o.nC1 > 0) {
    for (const test of ['set', 'get']) {
      out.push({ group: 'C1', clients: 1, pipeline: 1, n: o.nC1, test, suffix: '_C1' });
    }
  }
  return out;
}

async function measure(o, servers) {
  const raw = [];
  const configs = configurations(o);
  for (let run = 1; run <= o.repeats; run++) {
    let group = '';
    for (const cfg of configs) {
      if (interrupted) throw new Error('interrupted');
      if (cfg.group !== group) {
        group = cfg.group;
        await waitIdle(o.waitIdleS);
        console.error(`run ${run}/${o.repeats}: ${group}`);
      }
      for (const [label, port] of servers) {
        for (const row of await redisBenchmark(o, port, cfg)) {
          const { rps, p50, p99 } = row;
          raw.push({ label, test: row.test + cfg.suffix, pipeline: cfg.pipeline, run, rps, p50, p99 });
        }
      }
    }
  }
  return raw;
}

function summarise(raw) {
  const keyOf = (r) => `${r.test}|${r.pipeline}`;
  const order = [];
  const by = new Map();
  for (const r of raw) {
    const k = keyOf(r);
    if (!by.has(k)) {
      by.set(k, { test: r.test, pipeline: r.pipeline, runs: new Map() });
      order.push(k);
    }
    const runs = by.get(k).runs;
    if (!runs.has(r.label)) runs.set(r.label, []);
    runs.get(r.label).push(r);
  }
  return order.map((k) => {
    const { test, pipeline, runs } = by.get(k);
    const row = { test, pipeline };
    for (const [label, rs] of runs) {
      row[label] = {
        rps: Math.round(median(rs.map((r) => r.rps))),
        p50_ms: median(rs.map((r) => r.p50)),
        p99_ms: median(rs.map((r) => r.p99)),
        runs: rs.length,
      };
    }
    if (row.seshat && row.redis) row.ratio = row.seshat.rps / row.redis.rps;
    if (row['via-follower'] && row.redis) row.followerRatio = row['via-follower'].rps / row.redis.rps;
    return row;
  });
}

// ---------- output ----------

const fmtRps = (x) =>
  x === undefined
    ? '-'
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)}M`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)}k`
        : String(x);
const fmtMs = (s) => (s ? `${s.p50_ms.toFixed(3)} / ${s.p99_ms.toFixed(3)}` : '-');

function printTable(rows) {
  const follower = rows.some((r) => r['via-follower']);
  const header = ['test', 'P', 'seshat rps', ...(follower ? ['via-follower rps'] : []), 'redis rps', 'ratio'];
  if (follower) header.push('follower ratio');
  header.push('seshat p50/p99 ms', ...(follower ? ['via-follower p50/p99 ms'] : []), 'redis p50/p99 ms');
  const lines = rows.map((r) => {
    const cells = [r.test, String(r.pipeline), fmtRps(r.seshat?.rps)];
    if (follower) cells.push(fmtRps(r['via-follower']?.rps));
    cells.push(fmtRps(r.redis?.rps), r.ratio === undefined ? '-' : r.ratio.toFixed(2));
    if (follower) cells.push(r.followerRatio === undefined ? '-' : r.followerRatio.toFixed(2));
    cells.push(fmtMs(r.seshat));
    if (follower) cells.push(fmtMs(r['via-follower']));
    cells.push(fmtMs(r.redis));
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
}

function writeResults(o, rows, raw, meta) {
  fs.mkdirSync(o.out, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = path.join(o.out, `bench-${stamp}`);
  const csv = [
    'test,pipeline,seshat_rps,redis_rps,ratio,seshat_p50_ms,seshat_p99_ms,redis_p50_ms,redis_p99_ms',
  ];
  for (const r of rows) {
    csv.push(
      [
        r.test,
        r.pipeline,
        r.seshat?.rps ?? '',
        r.redis?.rps ?? '',
        r.ratio?.toFixed(3) ?? '',
        r.seshat?.p50_ms ?? '',
        r.seshat?.p99_ms ?? '',
        r.redis?.p50_ms ?? '',
        r.redis?.p99_ms ?? '',
      ].join(','),
    );
  }
  fs.writeFileSync(`${base}.csv`, `${csv.join('\n')}\n`);
  const rawCsv = [
    'label,test,pipeline,run,rps,p50_ms,p99_ms',
    ...raw.map((r) => [r.label, r.test, r.pipeline, r.run, r.rps, r.p50, r.p99].join(',')),
  ];
  fs.writeFileSync(`${base}.raw.csv`, `${rawCsv.join('\n')}\n`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify({ meta, rows, raw }, null, 2)}\n`);
  return base;
}

// ---------- main ----------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  for (const bin of ['redis-benchmark', ...(o.only === 'seshat' || o.redisPort ? [] : ['redis-server'])]) {
    if (!have(bin)) throw new Error(`${bin} not found (apt-get install redis-server redis-tools)`);
  }
  if (o.pin && (!have('taskset') || os.cpus().length < 2)) {
    console.error('taskset unavailable or fewer than 2 CPUs: running unpinned');
    o.pin = false;
  }
  const wantSeshat = o.only !== 'redis';
  const wantRedis = o.only !== 'seshat';
  if (o.build && wantSeshat && o.port === undefined) {
    console.error('npm run build');
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('build failed');
  }
  const servers = [];
  if (o.cluster > 0) {
    if (!o.testsGiven) o.tests = ['set', 'get'];
    o.pin = false; // N servers and the client share the cores
    const c = await startCluster(o);
    servers.push(['seshat', c.leader], ['via-follower', c.follower]);
  } else if (wantSeshat) servers.push(['seshat', o.port ?? (await startSeshat(o))]);
  if (wantRedis) servers.push(['redis', o.redisPort ?? (await startRedis(o))]);
  console.error(`servers: ${servers.map(([l, p]) => `${l}@${o.host}:${p}`).join(', ')}; pinned: ${o.pin}`);
  const started = new Date().toISOString();
  const raw = await measure(o, servers);
  if (raw.length === 0) throw new Error('no results (every redis-benchmark invocation failed)');
  const rows = summarise(raw);
  printTable(rows);
  let etcd = null;
  if (o.cluster > 0 && o.etcd) {
    await cleanup(); // the Seshat nodes stop before etcd starts: each has the machine alone
    const e = await benchEtcd(REPO, o.repeats);
    if (e !== null) {
      etcd = etcdComparison(rows, e);
      printEtcdComparison(etcd);
    }
  }
  const meta = {
    started,
    finished: new Date().toISOString(),
    host: os.hostname(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    redisMode: o.redisMode,
    cluster: o.cluster,
    etcd,
    options: { ...o, out: undefined },
  };
  const base = writeResults(o, rows, raw, meta);
  console.error(`results: ${base}.{csv,json,raw.csv}`);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping servers`);
    cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', cleanupSync);

main()
  .then(cleanup)
  .catch(async (e) => {
    console.error(`bench: ${e.message}`);
    await cleanup();
    process.exitCode = 1;
  });
