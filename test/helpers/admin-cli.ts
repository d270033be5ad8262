// Shared by the cluster administration tests (cluster-admin*.test.ts): RAFT STATUS as a map,
// an integer field of it, and the `seshat` CLI run as a child process (built dist/ by default,
// the TypeScript sources with SESHAT_FROM_SRC=1, another binary with SESHAT_BIN).
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { TestCluster } from './cluster.ts';
import { entries, type RespValue, show } from './resp-client.ts';
import { REPO_ROOT, SESHAT_MAIN } from './server.ts';

export function num(v: RespValue | undefined): number {
  if (v === undefined || v.type !== 'integer') throw new Error(`expected an integer, got ${v && show(v)}`);
  return Number(v.value);
}

export async function status(c: TestCluster, id: number): Promise<Map<string, RespValue>> {
  return entries(await c.query(id, ['RAFT', 'STATUS']));
}

function seshatArgv(): string[] {
  return process.env.SESHAT_FROM_SRC === '1'
    ? ['--conditions=seshat-src', '--import=tsx', path.join(REPO_ROOT, 'crates-ts/seshat/src/main.ts')]
    : [process.env.SESHAT_BIN ?? SESHAT_MAIN];
}

/** Runs `seshat <args>`; resolves with its exit code and output (code -1: killed by the bound). */
export function runCli(
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...seshatArgv(), ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}
