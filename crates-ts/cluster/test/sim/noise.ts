// Writes nobody checks by value, so that groups hold every kind of record: hashes, sets and
// sorted sets (the `sub` and `zscore` families), lists, keys with deadlines (`expire`),
// deletions, commands whose effect depends on the entry's stamp and seed (SPOP, PX
// deadlines), and transactions (EXEC's log command: several commands in one). Their replies still go through the checker (same replies at the same index on
// every replica), their effects through the digests and the snapshot images.
import type { Random } from '@seshat/common';
import { encodeEntry, INTERNAL_EXEC } from '@seshat/kv';

const KEYS_PER_TYPE = 3;

type Gen = (r: Random, n: number) => string[];

const GENERATORS: readonly Gen[] = [
  (r, n) => ['HSET', `h${n}`, `f${r.nextInt(5)}`, `v${r.nextInt(100)}`],
  (r, n) => ['HDEL', `h${n}`, `f${r.nextInt(5)}`],
  (r, n) => ['SADD', `s${n}`, `m${r.nextInt(8)}`, `m${r.nextInt(8)}`],
  (_r, n) => ['SPOP', `s${n}`],
  (r, n) => ['ZADD', `z${n}`, String(r.nextInt(50)), `m${r.nextInt(6)}`],
  (r, n) => ['ZINCRBY', `z${n}`, '2.5', `m${r.nextInt(6)}`],
  (r, n) => ['RPUSH', `l${n}`, `x${r.nextInt(10)}`, `y${r.nextInt(10)}`],
  (_r, n) => ['LPOP', `l${n}`],
  (r, n) => ['SET', `k${n}`, `v${r.nextInt(100)}`, 'PX', String(1 + r.nextInt(80))],
  (r, n) => ['APPEND', `k${n}`, `a${r.nextInt(10)}`],
  (r, n) => ['PEXPIRE', `h${n}`, String(1 + r.nextInt(200))],
  (_r, n) => ['DEL', `k${n}`, `l${n}`],
  (_r, n) => ['INCRBYFLOAT', `f${n}`, '1.25'],
];

/** Share of noise writes that are transactions of 2-4 commands. */
const TRANSACTION_SHARE = 0.15;

function plain(r: Random): Buffer[] {
  const argv = GENERATORS[r.nextInt(GENERATORS.length)]!(r, r.nextInt(KEYS_PER_TYPE));
  argv[1] = `n:${argv[1]}`;
  if (argv[0] === 'DEL') argv[2] = `n:${argv[2]}`;
  return argv.map((a) => Buffer.from(a));
}

/** A random noise write (keys prefixed `n:` never meet the clients' keys). */
export function noiseCommand(r: Random): Buffer[] {
  if (r.nextFloat() >= TRANSACTION_SHARE) return plain(r);
  // As EXEC submits a transaction (seshat/transactions.ts): one internal command.
  const commands = Array.from({ length: 2 + r.nextInt(3) }, () => ({ db: 0, argv: plain(r) }));
  return [INTERNAL_EXEC, encodeEntry(0, 0, commands)];
}
