// Checks that RequestParser turns byte streams into the right argv lists whatever the
// chunking: each request of a corpus (multibulk, inline with every quoting form, binary
// payloads, empty and large bulks, Redis's unchecked-CRLF quirks) is parsed whole, split
// at every byte boundary, fed one byte at a time, and cut by a seeded PRNG, and must give
// the expected argv every time. Also: 10,000-command pipelines, big-argument handling,
// bufferedBytes accounting and runtime limit changes. Expected values for inline quoting
// and quirks were checked against redis-server 7.0.15.
import { SeededRandom } from '@seshat/common';
import { BIG_ARGUMENT_MIN_BYTES, encodeRequest, RequestParser } from '@seshat/protocol-resp';
import t from 'tap';
import { latin1, parseChunked, parseWhole } from './helpers.js';

const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
// Just above BIG_ARGUMENT_MIN_BYTES, so the exact-size big-argument path is exercised
// while every-byte-boundary splitting stays affordable.
const large = Buffer.alloc(BIG_ARGUMENT_MIN_BYTES + 100, 'x');
large.write('START', 0);
large.write('END', large.length - 3);

interface Case {
  name: string;
  bytes: Buffer;
  commands: string[][];
}

const corpus: Case[] = [
  { name: 'GET', bytes: latin1('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'), commands: [['GET', 'k']] },
  {
    name: 'empty bulk',
    bytes: latin1('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n'),
    commands: [['SET', 'k', '']],
  },
  {
    name: 'binary payload with CR LF and NUL',
    bytes: encodeRequest(['SET', 'k', binary]),
    commands: [['SET', 'k', binary.toString('latin1')]],
  },
  {
    name: 'large bulk',
    bytes: encodeRequest(['SET', 'big', large]),
    commands: [['SET', 'big', large.toString('latin1')]],
  },
  {
    name: 'two large bulks',
    bytes: encodeRequest(['MSET', 'a', large, 'b', large]),
    commands: [['MSET', 'a', large.toString('latin1'), 'b', large.toString('latin1')]],
  },
  {
    name: '*0, *-1 and any negative count down to LLONG_MIN are empty',
    bytes: latin1('*0\r\n*-1\r\n*-7\r\n*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n'),
    commands: [['PING']],
  },
  {
    name: 'unchecked CRLF after headers and payload',
    bytes: latin1('*1\rX$4\r\nPINGxy'),
    commands: [['PING']],
  },
  {
    name: 'multibulk then inline',
    bytes: latin1('*1\r\n$4\r\nPING\r\nECHO hi\r\n'),
    commands: [['PING'], ['ECHO', 'hi']],
  },
  { name: 'inline CRLF', bytes: latin1('SET k v\r\n'), commands: [['SET', 'k', 'v']] },
  {
    name: 'inline bare LF',
    bytes: latin1('SET k v\nGET k\n'),
    commands: [
      ['SET', 'k', 'v'],
      ['GET', 'k'],
    ],
  },
  { name: 'inline blank lines skipped', bytes: latin1('\r\n\n   \r\n\t\nPING\n'), commands: [['PING']] },
  {
    name: 'inline tabs and runs of blanks',
    bytes: latin1('  SET\t\tk   v  \r\n'),
    commands: [['SET', 'k', 'v']],
  },
  { name: 'inline CR inside a line separates', bytes: latin1('PING\r\rX\r\n'), commands: [['PING', 'X']] },
  {
    name: 'inline VT is blank only between words',
    bytes: latin1('ECHO \va\vb\r\n'),
    commands: [['ECHO', 'a\vb']],
  },
  {
    name: 'inline double-quote escapes',
    bytes: latin1('ECHO "a\\x41\\x4g\\n\\r\\t\\b\\a\\\\\\"\\q"\r\n'),
    commands: [['ECHO', 'aAx4g\n\r\t\b\x07\\"q']],
  },
  {
    name: 'inline \\x with uppercase hex',
    bytes: latin1('ECHO "\\xFF\\x00\\xaB"\r\n'),
    commands: [['ECHO', '\xff\x00\xab']],
  },
  {
    name: 'inline single quotes',
    bytes: latin1("ECHO 'a\\'b\\n\"' 'x y'\r\n"),
    commands: [['ECHO', 'a\'b\\n"', 'x y']],
  },
  {
    name: 'inline quote inside a bare word',
    bytes: latin1('ECHO foo"bar baz"\r\n'),
    commands: [['ECHO', 'foobar baz']],
  },
  {
    name: 'inline empty quoted args',
    bytes: latin1('RPUSH l "" \'\'\r\n'),
    commands: [['RPUSH', 'l', '', '']],
  },
  { name: 'inline quote followed by VT', bytes: latin1('ECHO "a"\v\r\n'), commands: [['ECHO', 'a']] },
  { name: 'inline quoted CR and LF', bytes: latin1('ECHO "a\rb"\r\n'), commands: [['ECHO', 'a\rb']] },
  { name: 'inline high bytes', bytes: latin1('ECHO \xe9\xff\r\n'), commands: [['ECHO', '\xe9\xff']] },
];

const all: Case = {
  name: 'whole corpus concatenated',
  bytes: Buffer.concat(corpus.map((c) => c.bytes)),
  commands: corpus.flatMap((c) => c.commands),
};

function short(commands: string[][]): string {
  return JSON.stringify(commands).slice(0, 200);
}

function sameCommands(a: string[][], b: string[][]): boolean {
  return (
    a.length === b.length &&
    a.every((argv, i) => argv.length === b[i]!.length && argv.every((arg, k) => arg === b[i]![k]))
  );
}

t.test('each corpus request parses whole', async (t) => {
  for (const c of [...corpus, all]) {
    const result = parseWhole(c.bytes);
    t.equal(result.error, null, `${c.name}: no error`);
    t.same(result.commands, c.commands, c.name);
  }
});

t.test('each corpus request split at every byte boundary (one and two cuts)', async (t) => {
  for (const c of corpus) {
    let failures = 0;
    const n = c.bytes.length;
    // Large cases: single cuts only (two cuts would be ~10^10 parses).
    const twoCuts = n <= 300;
    for (let i = 1; i < n; i++) {
      const cutSets = twoCuts ? Array.from({ length: n - i }, (_, k) => (k === 0 ? [i] : [i, i + k])) : [[i]];
      for (const cuts of cutSets) {
        const result = parseChunked(c.bytes, cuts);
        if (result.error !== null || !sameCommands(result.commands, c.commands)) {
          if (failures++ < 3) t.fail(`${c.name} cut at ${cuts}: ${result.error} ${short(result.commands)}`);
        }
      }
    }
    t.equal(failures, 0, `${c.name}: every split parses identically`);
  }
});

t.test('whole corpus fed one byte at a time', async (t) => {
  const cuts = Array.from({ length: all.bytes.length - 1 }, (_, i) => i + 1);
  const result = parseChunked(all.bytes, cuts);
  t.equal(result.error, null);
  t.same(result.commands, all.commands);
});

t.test('whole corpus cut by seeded random chunkings', async (t) => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = new SeededRandom(seed);
    const cuts: number[] = [];
    let at = 0;
    for (;;) {
      // Mix tiny chunks with chunks around socket-read sizes.
      at += random.nextInt(4) === 0 ? 1 + random.nextInt(70_000) : 1 + random.nextInt(40);
      if (at >= all.bytes.length) break;
      cuts.push(at);
    }
    const result = parseChunked(all.bytes, cuts);
    if (result.error !== null || !sameCommands(result.commands, all.commands)) {
      t.fail(`seed ${seed}: ${result.error}`);
    }
  }
  t.pass('200 seeded chunkings');
});

t.test('pipelines of 10,000 commands in one buffer', async (t) => {
  const count = 10_000;
  const multibulk = Buffer.concat(
    Array.from({ length: count }, (_, i) => encodeRequest(['SET', `key:${i}`, `value:${i}`])),
  );
  const inline = latin1(Array.from({ length: count }, (_, i) => `SET key:${i} "value ${i}"\r\n`).join(''));
  for (const [name, bytes] of [
    ['multibulk', multibulk],
    ['inline', inline],
  ] as const) {
    const result = parseWhole(bytes);
    t.equal(result.error, null, `${name}: no error`);
    t.equal(result.commands.length, count, `${name}: ${count} commands`);
    t.same(result.commands[0], ['SET', 'key:0', name === 'inline' ? 'value 0' : 'value:0']);
    t.same(result.commands[count - 1], [
      'SET',
      `key:${count - 1}`,
      name === 'inline' ? `value ${count - 1}` : `value:${count - 1}`,
    ]);
    const chunked = parseChunked(
      bytes,
      Array.from({ length: Math.floor(bytes.length / 16384) }, (_, i) => (i + 1) * 16384),
    );
    t.same(chunked.commands, result.commands, `${name}: same in 16 KiB chunks`);
  }
});

t.test('next() returns null until a command is complete, then the command', async (t) => {
  const parser = new RequestParser();
  t.equal(parser.next(), null, 'empty parser');
  parser.push(latin1('*2\r\n$3\r\nGET\r\n$1\r\n'));
  t.equal(parser.next(), null);
  t.equal(parser.error, null, 'incomplete is not an error');
  parser.push(latin1('k\r\n'));
  t.same(parser.next()?.map(String), ['GET', 'k']);
  t.equal(parser.next(), null);
  t.equal(parser.bufferedBytes(), 0);
});

t.test('arguments do not alias the input buffer', async (t) => {
  const parser = new RequestParser();
  parser.push(latin1('*1\r\n$5\r\nhello\r\n'));
  const argv = parser.next()!;
  parser.push(latin1('*1\r\n$5\r\nworld\r\n'));
  const second = parser.next()!;
  t.equal(argv[0]!.toString(), 'hello');
  t.equal(second[0]!.toString(), 'world');
});

t.test('big argument is one exact-size Buffer filled from the chunks', async (t) => {
  const payload = Buffer.alloc(1_000_000, 7);
  const bytes = encodeRequest(['SET', 'k', payload]);
  const parser = new RequestParser();
  let argv: Buffer[] | null = null;
  for (let from = 0; from < bytes.length; from += 65536) {
    parser.push(bytes.subarray(from, from + 65536));
    t.ok(parser.bufferedBytes() <= from + 65536, 'bufferedBytes counts held bytes');
    argv = parser.next() ?? argv;
  }
  t.ok(argv !== null);
  t.equal(argv![2]!.length, payload.length);
  t.equal(argv![2]!.buffer.byteLength, payload.length, 'argument owns an exact-size allocation');
  t.ok(argv![2]!.equals(payload));
  t.equal(parser.bufferedBytes(), 0);
});

t.test('bufferedBytes counts unparsed input and pending arguments', async (t) => {
  const parser = new RequestParser();
  parser.push(latin1('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n01234'));
  t.equal(parser.next(), null);
  // "SET" + "k" parsed (4 bytes) + the `$10` header consumed + "01234" waiting (5 bytes).
  t.equal(parser.bufferedBytes(), 9);
  parser.push(latin1('56789\r\n'));
  t.same(parser.next()?.map(String), ['SET', 'k', '0123456789']);
  t.equal(parser.bufferedBytes(), 0);
});

t.test('limits can change at runtime (CONFIG SET proto-max-bulk-len)', async (t) => {
  const parser = new RequestParser({ bulkMaxBytes: 4 });
  parser.push(latin1('*1\r\n$4\r\nPING\r\n'));
  t.same(parser.next()?.map(String), ['PING']);
  parser.limits.bulkMaxBytes = 100;
  parser.push(latin1('*1\r\n$10\r\n0123456789\r\n'));
  t.same(parser.next()?.map(String), ['0123456789']);
  parser.limits.bulkMaxBytes = 3;
  parser.push(latin1('*1\r\n$4\r\nPING\r\n'));
  t.equal(parser.next(), null);
  t.equal(parser.error, 'Protocol error: invalid bulk length');
});

t.test('authenticated toggles the pre-AUTH limits', async (t) => {
  const parser = new RequestParser();
  parser.authenticated = false;
  parser.push(encodeRequest(Array.from({ length: 10 }, () => 'a')));
  t.equal(parser.next()?.length, 10, '10 arguments allowed before AUTH');
  parser.push(encodeRequest(['SET', 'k', Buffer.alloc(16384)]));
  t.equal(parser.next()?.length, 3, '16384-byte bulk allowed before AUTH');
  parser.authenticated = true;
  parser.push(encodeRequest(['SET', 'k', Buffer.alloc(16385)]));
  t.equal(parser.next()?.length, 3, 'no pre-AUTH limit once authenticated');
});

t.test('multibulkMaxLength default and override', async (t) => {
  t.equal(parseWhole(latin1('*1048576\r\n')).error, null, '1024*1024 accepted');
  t.equal(parseWhole(latin1('*1048577\r\n')).error, 'Protocol error: invalid multibulk length');
  t.equal(
    parseWhole(latin1('*2147483647\r\n'), { multibulkMaxLength: 2147483647 }).error,
    null,
    'Redis 7.0 INT_MAX',
  );
});

t.test('input buffer that grew large is released once drained', async (t) => {
  const parser = new RequestParser();
  const bytes = Buffer.concat(Array.from({ length: 200_000 }, () => latin1('*1\r\n$4\r\nPING\r\n')));
  parser.push(bytes);
  let count = 0;
  while (parser.next() !== null) count++;
  t.equal(count, 200_000);
  t.equal(parser.bufferedBytes(), 0);
  parser.push(latin1('PING\r\n'));
  t.same(parser.next()?.map(String), ['PING']);
});
