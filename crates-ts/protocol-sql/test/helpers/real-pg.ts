// Starts a real PostgreSQL server (Debian's postgresql-15 binaries) in a temp dir for
// comparison tests, or reports why it cannot (binaries absent). As root it runs the server
// as the `postgres` user (PostgreSQL refuses to run as root). The server listens on a free
// loopback port with trust authentication and TimeZone UTC; teardown stops it (fast
// shutdown) and removes the dir; a test process that dies kills it at exit.
//
// Exports:
//   realPgUnavailable()           null when it can run, else the reason (for tap's skip)
//   startRealPg(t) -> {port}      the running server
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const BIN_DIR = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const START_TIMEOUT_MS = 30_000;
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export function realPgUnavailable(): string | null {
  for (const b of ['initdb', 'postgres']) {
    if (!fs.existsSync(path.join(BIN_DIR, b))) return `PostgreSQL 15 not installed (${BIN_DIR}/${b} missing)`;
  }
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root without a postgres user';
    }
  }
  return null;
}

/** As root, run as the postgres user (spawned directly, so signals reach the server itself). */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  return { uid, gid };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRealPg(t: { teardown(fn: () => unknown): void }): Promise<{ port: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-realpg-'));
  fs.chmodSync(dir, 0o777);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  const data = path.join(dir, 'data');
  const user = serverUser();
  const initArgs = [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ];
  execFileSync(path.join(BIN_DIR, 'initdb'), initArgs, { stdio: 'ignore', cwd: dir, ...user });
  const port = await freePort();
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'TimeZone=UTC',
  ];
  const proc = spawn(path.join(BIN_DIR, 'postgres'), args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: dir,
    ...user,
  });
  live.add(proc);
  t.teardown(async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT');
      await exited;
    }
    live.delete(proc);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start: ${log}`)), START_TIMEOUT_MS);
    proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited with ${code}: ${log}`));
    });
  });
  return { port };
}
