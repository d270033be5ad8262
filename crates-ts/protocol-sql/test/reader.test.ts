// Checks FrameReader: a stream of startup-phase and typed frontend messages (built by
// pg-protocol's serializer, an independent encoder) yields the same frames whether pushed
// whole, split at every byte boundary, or one byte at a time; and bad frames throw
// PostgreSQL's FATAL 08P01 texts (startup length out of range, unknown message type,
// length below 4 or above the per-type limit) as soon as the header shows them.
import { FrameReader, STARTUP_TYPE } from '@seshat/protocol-sql';
import { serialize } from 'pg-protocol';
import t from 'tap';

const startup = Buffer.from(serialize.startup({ user: 'postgres', database: 'db', application_name: 'x' }));
const typed = Buffer.concat(
  [
    serialize.query('select 1; select 2'),
    serialize.parse({ name: 's1', text: 'select $1::int', types: [23] }),
    serialize.bind({ portal: 'p', statement: 's1', values: ['1', null, Buffer.from([0, 1, 2])] }),
    serialize.describe({ type: 'P', name: 'p' }),
    serialize.execute({ portal: 'p', rows: 5 }),
    serialize.flush(),
    serialize.sync(),
    serialize.copyData(Buffer.alloc(70_000, 0x61)),
    serialize.copyDone(),
    serialize.end(),
  ].map((b) => Buffer.from(b)),
);

function framesOf(chunks: Buffer[]): string[] {
  const r = new FrameReader(1024 * 1024);
  const out: string[] = [];
  for (const c of chunks) {
    r.push(c);
    for (let f = r.next(); f !== null; f = r.next()) {
      out.push(`${f.type}:${f.body.toString('hex')}`);
      if (f.type === STARTUP_TYPE) r.startupPhase = false;
    }
  }
  t.equal(r.bufferedBytes(), 0);
  return out;
}

t.test('same frames whatever the chunking', async (t) => {
  const all = Buffer.concat([startup, typed]);
  const whole = framesOf([all]);
  t.equal(whole.length, 11);
  t.equal(whole[0]!.split(':')[0], '0');
  const sampled = [1, 2, 3, 4, 5, 7, 8, 9, 50, 100, 200, all.length - 6, all.length - 1];
  for (let cut = 1; cut < all.length; cut += cut < 400 ? 1 : 997) {
    t.same(framesOf([all.subarray(0, cut), all.subarray(cut)]), whole, `split at ${cut}`);
  }
  for (const cut of sampled) t.same(framesOf([all.subarray(0, cut), all.subarray(cut)]), whole);
  const bytes = Array.from({ length: all.length }, (_, i) => all.subarray(i, i + 1));
  t.same(framesOf(bytes), whole, 'one byte at a time');
});

function errorOf(bytes: Buffer, startupPhase: boolean, large = 1024): unknown {
  const r = new FrameReader(large);
  r.startupPhase = startupPhase;
  r.push(bytes);
  try {
    r.next();
  } catch (e) {
    return e;
  }
  return null;
}

t.test('bad frames', async (t) => {
  const len = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeInt32BE(n);
    b.writeInt32BE(196608, 4);
    return b;
  };
  t.match(errorOf(len(7), true), {
    severity: 'FATAL',
    code: '08P01',
    message: 'invalid length of startup packet',
  });
  t.match(errorOf(len(10_001), true), { message: 'invalid length of startup packet' });
  t.equal(errorOf(len(10_000), true), null, '10000 bytes is allowed (waits for more)');
  t.match(errorOf(Buffer.from('x\0\0\0\x04'), false), {
    severity: 'FATAL',
    message: 'invalid frontend message type 120',
  });
  t.match(
    errorOf(Buffer.from('x'), false),
    { message: 'invalid frontend message type 120' },
    'type checked before the length arrives',
  );
  t.match(errorOf(Buffer.from([0x51, 0, 0, 0, 3]), false), { message: 'invalid message length' });
  t.match(
    errorOf(Buffer.from([0x51, 0, 0, 0x10, 0]), false, 1024),
    { message: 'invalid message length' },
    'above the large limit',
  );
  t.match(
    errorOf(Buffer.from([0x53, 0, 0, 0x30, 0]), false, 1 << 20),
    { message: 'invalid message length' },
    'Sync above the small limit',
  );
  t.equal(errorOf(Buffer.from([0x51, 0, 0, 0x30, 0]), false, 1 << 20), null, 'Query may be large');
});
