// Starts and stops real server processes for integration tests: Seshat (the built binary) and a
// reference redis-server. Every started process and temp dir is tracked, removed by the handle's
// `cleanup()` (register it with `t.teardown`, or pass `t` to the start functions), and also
// killed/removed synchronously when the test process exits or is signalled, so a failing or
// timed-out test leaves no process, port or directory behind.
//
// Exports:
//   ServerHandle, StartOptions, ServerKind
//   startSeshat(opts)   node crates-ts/seshat/dist/main.js --port 0 --dir <tmp> ...; waits for the
//                       pino line {"msg":"ready","port":N}. SESHAT_BIN overrides the script path;
//                       SESHAT_FROM_SRC=1 runs src/main.ts through tsx instead of dist.
//   startRedis(opts)    redis-server --port <free> --save '' --appendonly no --daemonize no
//                       --dir <tmp> ...; waits for "Ready to accept connections".
//   startServer(kind, opts)  either of the two.
//   redisAvailable()    true when a redis-server binary exists (/usr/bin or PATH).
//   freePort()          a TCP port that was free a moment ago (bind 0, read, close).
//   makeTempDir(prefix) a tracked temp dir under os.tmpdir(), removed at exit.
//   configArgs(obj)     {requirepass: 'x', maxclients: 10} -> ['--requirepass', 'x', '--maxclients', '10']
//   REPO_ROOT           absolute path of the repository.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SESHAT_MAIN = path.join(REPO_ROOT, 'crates-ts', 'seshat', 'dist', 'main.js');

const START_TIMEOUT_MS = Number(process.env.SESHAT_START_TIMEOUT_MS ?? 20_000);
const STOP_TIMEOUT_MS = 15_000;
const OUTPUT_LINES_MAX = 5_000;
const STDERR_TAIL_CHARS = 4_000;

export type ServerKind = 'seshat' | 'redis';

export interface StartOptions {
  /** Extra command line arguments, e.g. ['--requirepass', 'secret'] (same flags for both kinds). */
  args?: string[];
  /** Data directory; a fresh temp dir (removed at cleanup) when omitted. */
  dir?: string;
  /** tap test (anything with `teardown`): registers `cleanup()` on it. */
  t?: { teardown(fn: () => unknown): void };
  /** Bound on waiting for readiness. */
  startTimeoutMs?: number;
}

export interface ServerHandle {
  readonly kind: ServerKind;
  readonly host: string;
  /** Listening port of the current process (changes on restart for Seshat). */
  port: number;
  readonly dir: string;
  proc: ChildProcess;
  /** redis://host:port */
  url: string;
  /** stdout lines of the current process (for Seshat: pino JSON lines). */
  stdoutLines: string[];
  /** stderr text of the current process (tail). */
  stderr(): string;
  /** SIGTERM, await exit; resolves to the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
  /** SIGKILL, await exit. */
  kill9(): Promise<void>;
  /** Starts a new process on the same data dir (stop/kill9 first); updates port/proc/url. */
  restart(): Promise<ServerHandle>;
  /** Kills the process if alive and removes the temp dir if this handle created it. */
  cleanup(): Promise<void>;
}

// ---- global tracking, so nothing leaks even when a test dies ----

const liveProcs = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHooksInstalled = false;

function cleanupSync(): void {
  for (const p of liveProcs) {
    try {
      p.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveProcs.clear();
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', cleanupSync);
  // SIGALRM: tap's per-file timeout.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGALRM'] as const) {
    const onSignal = (): void => {
      cleanupSync();
      process.removeListener(sig, onSignal);
      // Re-raise: other handlers (tap's) or the default action decide how we die.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Creates a temp dir under os.tmpdir() that is removed when the process exits. */
export function makeTempDir(prefix: string): string {
  installExitHooks();
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** Removes a dir made by makeTempDir now. */
export function removeTempDir(d: string): void {
  fs.rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

/** A TCP port that was free when checked (bind 127.0.0.1:0, read the port, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function which(bin: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(d, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Path of redis-server, or undefined when it is not installed. */
export function redisServerPath(): string | undefined {
  if (fs.existsSync('/usr/bin/redis-server')) return '/usr/bin/redis-server';
  return which('redis-server');
}

/** True when a reference redis-server binary is installed. */
export function redisAvailable(): boolean {
  return redisServerPath() !== undefined;
}

/** {requirepass: 'x', maxclients: 10} -> ['--requirepass', 'x', '--maxclients', '10'] */
export function configArgs(cfg: Record<string, string | number>): string[] {
  return Object.entries(cfg).flatMap(([k, v]) => [`--${k}`, String(v)]);
}

// ---- process plumbing ----

interface Launch {
  cmd: string;
  argv: string[];
  /** Given a stdout line, returns the ready port (or true if the port is known) or undefined. */
  readyFrom(line: string): number | true | undefined;
}

interface Running {
  proc: ChildProcess;
  port: number;
  stdoutLines: string[];
  stderr: { text: string };
}

function collectLines(stream: NodeJS.ReadableStream, onLine: (l: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let i = rest.indexOf('\n');
    while (i !== -1) {
      onLine(rest.slice(0, i));
      rest = rest.slice(i + 1);
      i = rest.indexOf('\n');
    }
  });
}

/**
 * With SESHAT_TEST_LOG_DIR set, a process's whole stdout and stderr are also appended to
 * `<that dir>/<basename of its --dir>.log` (restarts of the same node append to the same file),
 * for diagnosing long runs after the fact.
 */
function teeToLogDir(proc: ChildProcess, argv: string[]): void {
  const logDir = process.env.SESHAT_TEST_LOG_DIR;
  if (logDir === undefined || logDir === '') return;
  const d = argv.indexOf('--dir');
  const name = d >= 0 && d + 1 < argv.length ? path.basename(argv[d + 1]!) : `pid-${proc.pid}`;
  fs.mkdirSync(logDir, { recursive: true });
  const out = fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  proc.stdout!.on('data', (c: Buffer | string) => out.write(c));
  proc.stderr!.on('data', (c: Buffer | string) => out.write(c));
  proc.once('exit', () => out.end());
}

function launch(l: Launch, knownPort: number, timeoutMs: number): Promise<Running> {
  installExitHooks();
  const proc = spawn(l.cmd, l.argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  liveProcs.add(proc);
  proc.once('exit', () => liveProcs.delete(proc));
  teeToLogDir(proc, l.argv);
  const stdoutLines: string[] = [];
  const stderr = { text: '' };
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => {
    stderr.text = (stderr.text + s).slice(-STDERR_TAIL_CHARS);
  });
  const what = `${path.basename(l.cmd)} ${l.argv.join(' ')}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      const out = stdoutLines.slice(-20).join('\n');
      reject(new Error(`${what}: ${why}\n--- stderr ---\n${stderr.text}\n--- stdout (tail) ---\n${out}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    proc.once('error', (e) => fail(`spawn failed: ${e.message}`));
    proc.once('exit', (code, sig) => fail(`exited before ready (code ${code}, signal ${sig})`));
    collectLines(proc.stdout!, (line) => {
      if (stdoutLines.length < OUTPUT_LINES_MAX) stdoutLines.push(line);
      if (settled) return;
      const r = l.readyFrom(line);
      if (r === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve({ proc, port: r === true ? knownPort : r, stdoutLines, stderr });
    });
  });
}

function waitExit(proc: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function makeHandle(
  kind: ServerKind,
  dir: string,
  ownsDir: boolean,
  first: Running,
  relaunch: () => Promise<Running>,
): ServerHandle {
  let cur = first;
  const h: ServerHandle = {
    kind,
    host: '127.0.0.1',
    port: cur.port,
    dir,
    proc: cur.proc,
    url: `redis://127.0.0.1:${cur.port}`,
    stdoutLines: cur.stdoutLines,
    stderr: () => cur.stderr.text,
    async stop() {
      cur.proc.kill('SIGTERM');
      return waitExit(cur.proc, STOP_TIMEOUT_MS);
    },
    async kill9() {
      cur.proc.kill('SIGKILL');
      await waitExit(cur.proc, STOP_TIMEOUT_MS);
    },
    async restart() {
      if (cur.proc.exitCode === null && cur.proc.signalCode === null) await h.stop();
      cur = await relaunch();
      h.port = cur.port;
      h.proc = cur.proc;
      h.url = `redis://127.0.0.1:${cur.port}`;
      h.stdoutLines = cur.stdoutLines;
      return h;
    },
    async cleanup() {
      if (cur.proc.exitCode === null && cur.proc.signalCode === null) {
        cur.proc.kill('SIGKILL');
        await waitExit(cur.proc, STOP_TIMEOUT_MS);
      }
      if (ownsDir) removeTempDir(dir);
    },
  };
  return h;
}

function seshatCommand(): { cmd: string; pre: string[] } {
  if (process.env.SESHAT_FROM_SRC === '1') {
    const src = path.join(REPO_ROOT, 'crates-ts', 'seshat', 'src', 'main.ts');
    return { cmd: process.execPath, pre: ['--conditions=seshat-src', '--import=tsx', src] };
  }
  const main = process.env.SESHAT_BIN ?? SESHAT_MAIN;
  if (!fs.existsSync(main)) throw new Error(`${main} does not exist: run \`npm run build\` first`);
  return { cmd: process.execPath, pre: [main] };
}

/** Parses a pino JSON line; returns the port of a {"msg":"ready"} line. */
export function seshatReadyPort(line: string): number | undefined {
  if (!line.includes('"ready"')) return undefined;
  try {
    const o = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return o.msg === 'ready' && typeof o.port === 'number' ? o.port : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the Seshat server on a free port (--port 0) and waits for its ready log line. */
export async function startSeshat(opts: StartOptions = {}): Promise<ServerHandle> {
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? makeTempDir('seshat-test-');
  const { cmd, pre } = seshatCommand();
  const run = (): Promise<Running> =>
    launch(
      {
        cmd,
        argv: [...pre, '--port', '0', '--bind', '127.0.0.1', '--dir', dir, ...(opts.args ?? [])],
        readyFrom: seshatReadyPort,
      },
      0,
      opts.startTimeoutMs ?? START_TIMEOUT_MS,
    );
  let first: Running;
  try {
    first = await run();
  } catch (e) {
    if (ownsDir) removeTempDir(dir);
    throw e;
  }
  const h = makeHandle('seshat', dir, ownsDir, first, run);
  opts.t?.teardown(() => h.cleanup());
  return h;
}

/** Starts a reference redis-server (in-memory, no persistence) on a free port. */
export async function startRedis(opts: StartOptions = {}): Promise<ServerHandle> {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server is not installed');
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? makeTempDir('redis-test-');
  const run = async (): Promise<Running> => {
    // freePort() can race with another process; retry a few times on "address in use".
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        return await launch(
          {
            cmd: bin,
            argv: [
              '--port',
              String(port),
              '--bind',
              '127.0.0.1',
              '--save',
              '',
              '--appendonly',
              'no',
              '--daemonize',
              'no',
              '--dir',
              dir,
              ...(opts.args ?? []),
            ],
            readyFrom: (line) => (line.includes('Ready to accept connections') ? true : undefined),
          },
          port,
          opts.startTimeoutMs ?? START_TIMEOUT_MS,
        );
      } catch (e) {
        if (attempt >= 3 || !String(e).includes('in use')) throw e;
      }
    }
  };
  let first: Running;
  try {
    first = await run();
  } catch (e) {
    if (ownsDir) removeTempDir(dir);
    throw e;
  }
  const h = makeHandle('redis', dir, ownsDir, first, run);
  opts.t?.teardown(() => h.cleanup());
  return h;
}

/** Starts either server kind with the same options. */
export function startServer(kind: ServerKind, opts: StartOptions = {}): Promise<ServerHandle> {
  return kind === 'seshat' ? startSeshat(opts) : startRedis(opts);
}
