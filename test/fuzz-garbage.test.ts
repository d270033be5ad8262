// Seeded random garbage never crashes the server and never affects other connections.
// How: a "victim" connection keeps writing and reading its own keys while, for each seed,
// another connection sends a seeded mix of random bytes and mangled RESP (bad lengths,
// truncated frames, huge counts, quotes, NULs, CR/LF soup) and is then dropped. After every
// seed the victim's last write must read back exactly, the server must still answer PING on
// a fresh connection, and at the end the process must still be the one we started.
// SESHAT_FUZZ_SEEDS sets the number of seeds (default 60).
import { SeededRandom } from '@seshat/common';
import t from 'tap';
import { RespClient } from './helpers/resp-client.ts';
import { startSeshat } from './helpers/server.ts';

const SEEDS = Number(process.env.SESHAT_FUZZ_SEEDS ?? 60);

const FRAGMENTS = [
  '*',
  '$',
  '*-1\r\n',
  '*0\r\n',
  '*3\r\n',
  '$3\r\nSET\r\n',
  '$-5\r\n',
  '$9999999999999\r\n',
  '*2147483648\r\n',
  '\r\n',
  '\n',
  '"',
  "'",
  '\\x',
  'PING\r\n',
  'GET k\r\n',
  'SET k v\r\n',
  '$1\r\nx',
  ':12\r\n',
  '+OK\r\n',
  '\u0000',
];

function garbage(seed: number): Buffer {
  const r = new SeededRandom(seed);
  const parts: Buffer[] = [];
  const n = 1 + r.nextInt(40);
  for (let i = 0; i < n; i++) {
    if (r.nextInt(3) === 0) {
      const len = 1 + r.nextInt(64);
      const b = Buffer.allocUnsafe(len);
      for (let j = 0; j < len; j++) b[j] = r.nextInt(256);
      parts.push(b);
    } else {
      parts.push(Buffer.from(FRAGMENTS[r.nextInt(FRAGMENTS.length)]!, 'latin1'));
    }
  }
  return Buffer.concat(parts);
}

/** Sends the bytes, then waits until the server closes the connection or stays quiet a bit. */
async function throwGarbage(port: number, bytes: Buffer): Promise<void> {
  const c = await RespClient.connect(port);
  c.sendRaw(bytes);
  const quiet = new Promise<void>((resolve) => setTimeout(resolve, 30));
  await Promise.race([c.closed, quiet]);
  await c.close();
}

t.test('garbage from other connections never hurts the server or a well-behaved client', async (t) => {
  const server = await startSeshat({ t });
  const pid = server.proc.pid;
  const victim = await RespClient.connect(server.port);
  t.teardown(() => victim.close());
  for (let seed = 1; seed <= SEEDS; seed++) {
    const value = `value-${seed}`;
    t.equal(await victim.q('SET', 'victim', value), '+OK', `victim SET before seed ${seed}`);
    await throwGarbage(server.port, garbage(seed));
    t.equal(await victim.q('GET', 'victim'), `"${value}"`, `victim GET after seed ${seed}`);
    const probe = await RespClient.connect(server.port);
    t.equal(await probe.q('PING'), '+PONG', `fresh connection answers after seed ${seed}`);
    await probe.close();
  }
  t.equal(server.proc.exitCode, null, 'the server process is still running');
  t.equal(server.proc.pid, pid);
});
