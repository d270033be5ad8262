// Checks the test helpers' own RESP decoder (helpers/resp-client.ts) against hand-written bytes
// for every RESP2 and RESP3 type, with every frame also fed split at each byte boundary, so the
// compatibility suites can trust it to report exact reply types. Also checks the canonical
// rendering `show`, the command encoder, and the RESP2 -> RESP3 null mapping of expectations.
// No server is needed.
import t from 'tap';
import { decodeOne, encodeCommand, RespDecodeError, RespDecoder, show } from './helpers/resp-client.ts';
import { resp3Of } from './helpers/targets.ts';

const FRAMES: Array<[bytes: string, rendered: string]> = [
  ['+OK\r\n', '+OK'],
  ['+\r\n', '+'],
  ['-ERR unknown command\r\n', '-ERR unknown command'],
  [':0\r\n', ':0'],
  [':-9223372036854775808\r\n', ':-9223372036854775808'],
  [':9223372036854775807\r\n', ':9223372036854775807'],
  ['$3\r\nabc\r\n', '"abc"'],
  ['$0\r\n\r\n', '""'],
  ['$4\r\na\r\nb\r\n', '"a\\x0d\\x0ab"'],
  ['$2\r\n"\\\r\n', '"\\"\\\\"'],
  ['$-1\r\n', '$-1'],
  ['*-1\r\n', '*-1'],
  ['*0\r\n', '[]'],
  ['*3\r\n:1\r\n$1\r\nx\r\n$-1\r\n', '[:1, "x", $-1]'],
  ['*2\r\n*1\r\n+a\r\n*0\r\n', '[[+a], []]'],
  ['_\r\n', '_'],
  [',1.5\r\n', ',1.5'],
  [',inf\r\n', ',inf'],
  [',-inf\r\n', ',-inf'],
  [',nan\r\n', ',nan'],
  ['#t\r\n', '#t'],
  ['#f\r\n', '#f'],
  ['(3492890328409238509324850943850943825024385\r\n', '(3492890328409238509324850943850943825024385'],
  ['!21\r\nSYNTAX invalid syntax\r\n', '!SYNTAX invalid syntax'],
  ['=15\r\ntxt:Some string\r\n', '=txt:"Some string"'],
  ['%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n_\r\n', '{+first: :1, "second": _}'],
  ['%0\r\n', '{}'],
  ['~2\r\n+a\r\n:1\r\n', '~[+a, :1]'],
  ['>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n', '>["message", "ch", "hi"]'],
  ['|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n', '|{+ttl: :3600} "v"'],
];

t.test('decodes every type from hand-written bytes', async (t) => {
  for (const [bytes, want] of FRAMES) {
    const buf = Buffer.from(bytes, 'latin1');
    const d = decodeOne(buf, 0);
    t.ok(d, `complete: ${JSON.stringify(bytes)}`);
    t.equal(d && show(d.value), want, JSON.stringify(bytes));
    t.equal(d?.next, buf.length, 'consumes exactly the frame');
  }
});

t.test('keeps exact types apart', async (t) => {
  const types = FRAMES.map(([b]) => decodeOne(Buffer.from(b, 'latin1'), 0)!.value.type);
  t.same(types.slice(0, 13), [
    'simple',
    'simple',
    'error',
    'integer',
    'integer',
    'integer',
    'bulk',
    'bulk',
    'bulk',
    'bulk',
    'nullBulk',
    'nullArray',
    'array',
  ]);
  const v = decodeOne(Buffer.from(':9223372036854775807\r\n'), 0)!.value;
  t.same(v, { type: 'integer', value: 9223372036854775807n }, 'integers are bigint, no precision loss');
});

t.test('incomplete frames return undefined at every split point', async (t) => {
  for (const [bytes, want] of FRAMES) {
    const buf = Buffer.from(bytes, 'latin1');
    for (let cut = 0; cut < buf.length; cut++) {
      if (decodeOne(buf.subarray(0, cut), 0) !== undefined) t.fail(`decoded a prefix of ${cut} bytes`);
    }
    // Streaming: two chunks split at every byte boundary yield exactly one reply.
    for (let cut = 0; cut <= buf.length; cut++) {
      const dec = new RespDecoder();
      const out = [...dec.push(buf.subarray(0, cut)), ...dec.push(buf.subarray(cut))];
      if (out.length !== 1 || show(out[0]!) !== want) t.fail(`split at ${cut} of ${JSON.stringify(bytes)}`);
      if (dec.pendingBytes() !== 0) t.fail('leftover bytes');
    }
  }
  t.pass('all split points');
});

t.test('streams many replies byte by byte', async (t) => {
  const all = Buffer.from(FRAMES.map(([b]) => b).join(''), 'latin1');
  const dec = new RespDecoder();
  const out: string[] = [];
  for (const byte of all) out.push(...dec.push(Buffer.from([byte])).map(show));
  t.same(
    out,
    FRAMES.map(([, r]) => r),
  );
});

t.test('rejects bytes that are not RESP', async (t) => {
  for (const bad of ['?x\r\n', '$x\r\n', ':1.5\r\n', '#x\r\n', '$3\r\nabcde\r\n', '+OK\rX', '$-2\r\n']) {
    t.throws(() => decodeOne(Buffer.from(bad), 0), RespDecodeError, JSON.stringify(bad));
  }
});

t.test('encodes commands as arrays of bulk strings', async (t) => {
  t.equal(
    encodeCommand(['SET', 'k', Buffer.from([0, 13, 10]), 5]).toString('latin1'),
    '*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n\0\r\n\r\n$1\r\n5\r\n',
  );
  t.equal(encodeCommand([]).toString(), '*0\r\n');
});

t.test('resp3Of maps RESP2 nulls only', async (t) => {
  t.equal(resp3Of('$-1'), '_');
  t.equal(resp3Of('*-1'), '_');
  t.equal(resp3Of('["1", $-1, "2"]'), '["1", _, "2"]');
  t.equal(resp3Of('[$-1]'), '[_]');
  t.equal(resp3Of(':-1'), ':-1');
  t.equal(resp3Of('"$-1x"'), '"$-1x"');
});
