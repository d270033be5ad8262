// Checks that malformed input is answered with PostgreSQL's errors and never takes the
// server down: startup packets with a bad length, layout or protocol version, messages above
// the configured size limit, a password message where none is expected, too many clients;
// then a seeded fuzz: 300 connections send valid message streams with random byte
// mutations and truncations (the seed is printed on failure). After all of it the server
// reports no internal error, every fuzzed connection ended, and a normal client still works.
import { SeededRandom } from '@seshat/common';
import { serialize } from 'pg-protocol';
import t from 'tap';
import { connectPg, startPgServer } from './helpers/pg-server.js';
import { errorFields, WireClient } from './helpers/wire-client.js';

const LARGE_LIMIT_BYTES = 4096;

async function fatalOf(port: number, ...parts: Uint8Array[]): Promise<Record<string, string> | null> {
  const c = await WireClient.connect(port);
  c.send(...parts);
  const msgs = await c.closed();
  const e = msgs.find((m) => m.type === 'E');
  return e === undefined ? null : errorFields(e.body);
}

function startupWith(version: number, body: Buffer = Buffer.from('user\0postgres\0\0')): Buffer {
  const b = Buffer.alloc(8 + body.length);
  b.writeInt32BE(b.length);
  b.writeInt32BE(version, 4);
  body.copy(b, 8);
  return b;
}

t.test('malformed input', async (t) => {
  const { port, server, errors } = await startPgServer(t, {
    largeMessageMaxBytes: LARGE_LIMIT_BYTES,
    maxConnections: 20,
  });
  const fatal = (code: string, message: string) => ({ S: 'FATAL', V: 'FATAL', C: code, M: message });

  t.match(
    await fatalOf(port, startupWith(0x20000)),
    fatal('0A000', 'unsupported frontend protocol 2.0: server supports 3.0 to 3.0'),
  );
  t.match(
    await fatalOf(port, Buffer.from([0, 0, 0, 7, 0, 3, 0])),
    fatal('08P01', 'invalid length of startup packet'),
  );
  t.match(
    await fatalOf(port, Buffer.from([0, 1, 0, 0, 0, 3, 0, 0])),
    fatal('08P01', 'invalid length of startup packet'),
  );
  t.match(
    await fatalOf(port, startupWith(196608, Buffer.from('user\0postgres\0'))),
    fatal('08P01', 'invalid startup packet layout: expected terminator as last byte'),
  );
  t.match(
    await fatalOf(port, startupWith(196608, Buffer.from('user\0postgres'))),
    fatal('08P01', 'invalid startup packet layout: expected terminator as last byte'),
  );
  t.match(
    await fatalOf(port, startupWith(196608, Buffer.from('user\0postgres\0client_encoding\0LATIN1\0\0'))),
    fatal('22023', 'invalid value for parameter "client_encoding": "LATIN1"'),
  );

  const afterStartup = async (...parts: Uint8Array[]) => {
    const c = await WireClient.connect(port);
    await c.startup();
    c.send(...parts);
    return c;
  };
  let c = await afterStartup(serialize.query('x'.repeat(LARGE_LIMIT_BYTES + 1)));
  t.match(
    errorFields((await c.closed()).find((m) => m.type === 'E')!.body),
    fatal('08P01', 'invalid message length'),
  );
  c = await afterStartup(serialize.query(`SELECT '${'x'.repeat(LARGE_LIMIT_BYTES - 20)}' AS ok`));
  t.match((await c.until(1)).map((m) => m.type).join(''), 'TDCZ', 'a message at the limit is fine');
  c.end();
  c = await afterStartup(serialize.password('secret'));
  t.match(
    errorFields((await c.closed()).find((m) => m.type === 'E')!.body),
    fatal('08P01', 'invalid frontend message type 112'),
  );

  await t.test('too many clients', async (t) => {
    const held: WireClient[] = [];
    while (server.connectionCount() < 20) held.push(await WireClient.connect(port));
    t.match(
      await fatalOf(port, serialize.startup({ user: 'postgres' })),
      fatal('53300', 'sorry, too many clients already'),
    );
    for (const h of held) h.end();
  });

  await t.test('seeded fuzz', async (t) => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261207);
    const rng = new SeededRandom(seed);
    const valid = Buffer.concat(
      [
        serialize.query('SELECT 1 AS a; SELECT $1'),
        serialize.parse({ name: 's', text: 'SELECT $1::int AS v', types: [23] }),
        serialize.bind({ statement: 's', values: [Buffer.from([0, 0, 0, 5])], binary: true }),
        serialize.describe({ type: 'P' }),
        serialize.execute({ rows: 1 }),
        serialize.close({ type: 'S', name: 's' }),
        serialize.sync(),
        serialize.copyData(Buffer.from('1\t2\n')),
        serialize.copyDone(),
        serialize.flush(),
        serialize.query('BEGIN; SELECT 1/0'),
        serialize.sync(),
      ].map((b) => Buffer.from(b)),
    );
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(valid);
      for (let k = 1 + rng.nextInt(6); k > 0; k--) bytes[rng.nextInt(bytes.length)] = rng.nextInt(256);
      const cut = rng.nextInt(4) === 0 ? rng.nextInt(bytes.length) : bytes.length;
      const client = await WireClient.connect(port);
      if (rng.nextInt(8) === 0) client.send(bytes.subarray(0, cut));
      else {
        await client.startup();
        client.send(bytes.subarray(0, cut));
      }
      client.socket.end();
      await client.closed();
    }
    t.same(errors, [], `no internal errors (seed ${seed})`);
  });

  const pgc = await connectPg(t, port);
  t.equal((await pgc.query('SELECT 9 AS nine')).rows[0].nine, 9, 'still serving');
  t.same(errors, []);
});
