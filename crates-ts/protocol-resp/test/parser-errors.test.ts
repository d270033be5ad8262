// Checks every protocol error of RequestParser: the exact Redis 7.0 text (each verified
// against redis-server 7.0.15 by sending the same bytes), that commands before the error
// are still returned, that nothing is returned after it, that an error does not depend
// on how the bytes were split, and that seeded random garbage never makes push()/next()
// throw (they may only set `error` or yield commands).
import { SeededRandom } from '@seshat/common';
import { encodeRequest, RequestParser } from '@seshat/protocol-resp';
import t from 'tap';
import { latin1, parseChunked, parseWhole } from './helpers.js';

const PING = '*1\r\n$4\r\nPING\r\n';
const over64k = (fill: string) => fill.repeat(65537);

const errorCases: { name: string; bytes: Buffer; error: string; limits?: { bulkMaxBytes: number } }[] = [
  { name: 'non-number count', bytes: latin1('*x\r\n'), error: 'Protocol error: invalid multibulk length' },
  { name: 'empty count', bytes: latin1('*\r\n'), error: 'Protocol error: invalid multibulk length' },
  { name: 'leading zero count', bytes: latin1('*01\r\n'), error: 'Protocol error: invalid multibulk length' },
  { name: 'plus-signed count', bytes: latin1('*+1\r\n'), error: 'Protocol error: invalid multibulk length' },
  {
    name: 'count above 1024*1024',
    bytes: latin1('*1048577\r\n'),
    error: 'Protocol error: invalid multibulk length',
  },
  {
    name: 'count of 30 digits',
    bytes: latin1(`*1${'0'.repeat(30)}\r\n`),
    error: 'Protocol error: invalid multibulk length',
  },
  {
    name: 'count below LLONG_MIN',
    bytes: latin1('*-9223372036854775809\r\n'),
    error: 'Protocol error: invalid multibulk length',
  },
  {
    name: 'non-number bulk length',
    bytes: latin1('*1\r\n$x\r\n'),
    error: 'Protocol error: invalid bulk length',
  },
  {
    name: 'negative bulk length',
    bytes: latin1('*1\r\n$-1\r\n'),
    error: 'Protocol error: invalid bulk length',
  },
  {
    name: 'blank in bulk length',
    bytes: latin1('*1\r\n$ 4\r\nPING\r\n'),
    error: 'Protocol error: invalid bulk length',
  },
  { name: 'empty bulk length', bytes: latin1('*1\r\n$\r\n'), error: 'Protocol error: invalid bulk length' },
  {
    name: 'bulk above 512 MiB',
    bytes: latin1('*1\r\n$536870913\r\n'),
    error: 'Protocol error: invalid bulk length',
  },
  {
    name: 'bulk above proto-max-bulk-len',
    bytes: latin1('*1\r\n$11\r\n'),
    error: 'Protocol error: invalid bulk length',
    limits: { bulkMaxBytes: 10 },
  },
  { name: 'expected $', bytes: latin1('*1\r\nx\r\n'), error: "Protocol error: expected '$', got 'x'" },
  {
    name: 'expected $, got CR',
    bytes: latin1('*2\r\n\r4\r\n'),
    error: "Protocol error: expected '$', got ' '",
  },
  {
    name: 'expected $, got ":"',
    bytes: latin1('*1\r\n:1\r\n'),
    error: "Protocol error: expected '$', got ':'",
  },
  { name: 'inline too big', bytes: latin1(over64k('a')), error: 'Protocol error: too big inline request' },
  {
    name: 'inline NUL hides newline',
    bytes: latin1(`PI\0NG\r\n${over64k('a')}`),
    error: 'Protocol error: too big inline request',
  },
  {
    name: 'mbulk count too big',
    bytes: latin1(`*${over64k('1')}`),
    error: 'Protocol error: too big mbulk count string',
  },
  {
    name: 'bulk count too big',
    bytes: latin1(`*1\r\n$${over64k('1')}`),
    error: 'Protocol error: too big bulk count string',
  },
  {
    name: 'bulk line without CR',
    bytes: latin1(`*1\r\n${over64k('x')}`),
    error: 'Protocol error: too big bulk count string',
  },
  {
    name: 'NUL hides the CR of a header',
    bytes: latin1(`*1\0\r\n${over64k('x')}`),
    error: 'Protocol error: too big mbulk count string',
  },
  {
    name: 'unterminated double quote',
    bytes: latin1('ECHO "a\r\n'),
    error: 'Protocol error: unbalanced quotes in request',
  },
  {
    name: 'unterminated single quote',
    bytes: latin1("ECHO 'a\r\n"),
    error: 'Protocol error: unbalanced quotes in request',
  },
  {
    name: 'closing quote then a letter',
    bytes: latin1('ECHO "a"b\r\n'),
    error: 'Protocol error: unbalanced quotes in request',
  },
  {
    name: "closing ' then a quote",
    bytes: latin1(`ECHO 'a'"b"\r\n`),
    error: 'Protocol error: unbalanced quotes in request',
  },
  {
    name: 'backslash before line end',
    bytes: latin1('ECHO "a\\\r\n'),
    error: 'Protocol error: unbalanced quotes in request',
  },
];

t.test('each error has Redis text, whole and split at every byte boundary', async (t) => {
  for (const c of errorCases) {
    const whole = parseWhole(c.bytes, c.limits);
    t.equal(whole.error, c.error, c.name);
    t.same(whole.commands, [], `${c.name}: no command`);
    // Every boundary for short inputs; long ones at a stride (each parse is O(length)).
    const stride = c.bytes.length > 1000 ? 997 : 1;
    let failures = 0;
    for (let cut = 1; cut < c.bytes.length; cut += stride) {
      const split = parseChunked(c.bytes, [cut], c.limits);
      if (split.error !== c.error && failures++ < 3) t.fail(`${c.name} cut at ${cut}: ${split.error}`);
    }
    t.equal(failures, 0, `${c.name}: same error at every split`);
  }
});

t.test('commands before an error are returned, nothing after it', async (t) => {
  const parser = new RequestParser();
  parser.push(latin1(`${PING}*1\r\n$x\r\n${PING}`));
  t.same(parser.next()?.map(String), ['PING']);
  t.equal(parser.next(), null);
  t.equal(parser.error, 'Protocol error: invalid bulk length');
  parser.push(latin1(PING));
  t.equal(parser.next(), null, 'stays stopped after more input');
  t.equal(parser.error, 'Protocol error: invalid bulk length', 'error unchanged');
});

t.test('unauthenticated limits', async (t) => {
  const cases = [
    {
      bytes: encodeRequest(Array.from({ length: 11 }, () => 'a')),
      error: 'Protocol error: unauthenticated multibulk length',
    },
    {
      bytes: encodeRequest(['SET', 'k', Buffer.alloc(16385)]),
      error: 'Protocol error: unauthenticated bulk length',
    },
    // The invalid-length check comes first, as in Redis.
    { bytes: latin1('*1\r\n$-5\r\n'), error: 'Protocol error: invalid bulk length' },
  ];
  for (const c of cases) {
    const parser = new RequestParser();
    parser.authenticated = false;
    parser.push(c.bytes);
    t.equal(parser.next(), null);
    t.equal(parser.error, c.error);
  }
});

t.test('lines just inside the 64 KiB limit are accepted', async (t) => {
  // The terminator may be the 65537th byte of the line, whatever the chunking.
  const inline = latin1(`ECHO ${'a'.repeat(65536 - 5)}\n`);
  const whole = parseWhole(inline);
  t.equal(whole.error, null);
  t.equal(whole.commands[0]?.[1]?.length, 65531);
  t.equal(parseChunked(inline, [65535, 65536]).error, null, 'split just before the LF');
  // A CR as the last byte allowed waits for one more byte instead of failing.
  const mbulk = latin1(`*${'1'.repeat(65535)}\r`);
  const parser = new RequestParser();
  parser.push(mbulk);
  t.equal(parser.next(), null);
  t.equal(parser.error, null, 'CR at the limit waits for the next byte');
  parser.push(latin1('\n'));
  t.equal(parser.next(), null);
  t.equal(parser.error, 'Protocol error: invalid multibulk length');
});

t.test('a NUL byte before a line terminator makes the request wait, as strchr does in Redis', async (t) => {
  const parser = new RequestParser();
  parser.push(latin1('*1\0\r\n$4\r\nPING\r\n'));
  t.equal(parser.next(), null);
  t.equal(parser.error, null);
});

function garbage(random: SeededRandom): Buffer[] {
  const pieces = [
    '*',
    '$',
    '\r',
    '\n',
    '\r\n',
    '0',
    '1',
    '9',
    '-',
    '"',
    "'",
    '\\',
    'x',
    ' ',
    '\0',
    'PING',
    '*1\r\n',
    '$3\r\n',
  ];
  const chunks: Buffer[] = [];
  for (let chunk = 0; chunk < 20; chunk++) {
    const bytes: Buffer[] = [];
    const length = random.nextInt(60);
    for (let i = 0; i < length; i++) {
      bytes.push(
        random.nextInt(3) === 0
          ? Buffer.from([random.nextInt(256)])
          : latin1(pieces[random.nextInt(pieces.length)]!),
      );
    }
    chunks.push(Buffer.concat(bytes));
  }
  return chunks;
}

t.test(
  'seeded random garbage never throws, and parses the same whole, chunked and byte by byte',
  async (t) => {
    let errors = 0;
    let commands = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const random = new SeededRandom(seed);
      const limits = { bulkMaxBytes: 1 << 20 };
      const chunks = garbage(random);
      const bytes = Buffer.concat(chunks);
      let chunked: ReturnType<typeof parseWhole>;
      try {
        const cuts: number[] = [];
        let at = 0;
        for (const chunk of chunks.slice(0, -1)) cuts.push((at += chunk.length));
        chunked = parseChunked(bytes, cuts, limits);
        const whole = parseWhole(bytes, limits);
        const byteByByte = parseChunked(
          bytes,
          Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1),
          limits,
        );
        if (
          JSON.stringify(whole) !== JSON.stringify(chunked) ||
          JSON.stringify(whole) !== JSON.stringify(byteByByte)
        ) {
          t.fail(`seed ${seed}: chunking changed the parse`);
        }
      } catch (error) {
        t.fail(`seed ${seed} threw: ${String(error)}`);
        continue;
      }
      commands += chunked.commands.length;
      if (chunked.error !== null) {
        errors++;
        if (!chunked.error.startsWith('Protocol error: ')) t.fail(`seed ${seed}: odd error ${chunked.error}`);
      }
    }
    t.ok(errors > 100, `garbage found errors (${errors})`);
    t.ok(commands > 100, `garbage also parsed commands (${commands})`);
  },
);

t.test('garbage never throws with the pre-AUTH limits either', async (t) => {
  for (let seed = 1; seed <= 500; seed++) {
    const parser = new RequestParser();
    parser.authenticated = false;
    t.doesNotThrow(() => {
      for (const chunk of garbage(new SeededRandom(seed))) {
        parser.push(chunk);
        while (parser.next() !== null) {}
      }
    }, `seed ${seed}`);
  }
});
