// Runs the real `redis-cli` against a server, so tests see exactly what a user of redis-cli sees.
//
// Exports:
//   redisCliAvailable()                   true when redis-cli is on PATH
//   redisCli(port, args, opts?)           execFile('redis-cli', ['-h', host, '-p', port, ...args]);
//                                         opts.input is written to stdin (pipe mode / inline
//                                         commands); resolves {stdout, stderr, code} and never
//                                         rejects on a non-zero exit code.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface CliResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed (e.g. by the timeout). */
  code: number | null;
}

export interface CliOptions {
  host?: string;
  /** Written to stdin, then stdin is closed. Without it stdin is closed immediately. */
  input?: string | Buffer;
  timeoutMs?: number;
}

export function redisCliAvailable(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => fs.existsSync(path.join(d, 'redis-cli')));
}

export function redisCli(port: number, args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const argv = ['-h', opts.host ?? '127.0.0.1', '-p', String(port), ...args];
  return new Promise((resolve, reject) => {
    const child = execFile(
      'redis-cli',
      argv,
      { timeout: opts.timeoutMs ?? 15_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          reject(err); // spawn failure (ENOENT), not an exit code
          return;
        }
        resolve({ stdout, stderr, code: child.exitCode });
      },
    );
    child.stdin!.on('error', () => {}); // redis-cli may exit before reading all of stdin
    child.stdin!.end(opts.input ?? '');
  });
}
