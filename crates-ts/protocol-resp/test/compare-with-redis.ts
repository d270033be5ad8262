// Differential check against a real redis-server (not run by tap; it needs one):
//   redis-server --port 23456 --save '' --appendonly no &
//   node --conditions=seshat-src --import=tsx crates-ts/protocol-resp/test/compare-with-redis.ts 23456
// 1. formatDouble vs ZADD + ZSCORE for thousands of seeded random doubles (skiplist zset).
// 2. Seeded random inline lines (quotes, escapes, blanks): RPUSH l <line> then LRANGE vs
//    our parse, or the same protocol error.
// 3. Seeded mutations of a two-ECHO multibulk pipeline: replies vs our commands + error.
// It sets zset-max-listpack-entries 0 and uses keys z and l.
import net from 'node:net';
import { SeededRandom } from '@seshat/common';
import { encodeRequest, formatDouble, RequestParser } from '@seshat/protocol-resp';

const port = Number(process.argv[2]);
const QUIET_MS = 40;

function exchange(bytes: Buffer, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => {
      out += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.write(bytes);
    setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, waitMs);
  });
}

function randomDoubles(random: SeededRandom): number[] {
  const values: number[] = [];
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  for (let i = 0; i < 3000; i++) {
    u32[0] = random.nextU32();
    u32[1] = random.nextU32();
    if (Number.isFinite(f64[0]!)) values.push(f64[0]!);
  }
  for (let i = 0; i < 3000; i++) values.push((random.nextFloat() - 0.5) * 10 ** (random.nextInt(60) - 30));
  for (let k = 1; k <= 30; k++)
    for (let j = 0; j < 40; j++) values.push((2 * random.nextInt(1 << 20) + 1) / 2 ** k);
  return values;
}

async function compareDoubles(): Promise<number> {
  const values = randomDoubles(new SeededRandom(7));
  const requests = [encodeRequest(['CONFIG', 'SET', 'zset-max-listpack-entries', '0'])];
  for (const v of values)
    requests.push(
      encodeRequest(['DEL', 'z']),
      encodeRequest(['ZADD', 'z', String(v), 'm']),
      encodeRequest(['ZSCORE', 'z', 'm']),
    );
  const out = await exchange(Buffer.concat(requests), 3000);
  const texts = [...out.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map((m) => m[1]);
  let differences = 0;
  values.forEach((v, i) => {
    if (formatDouble(v) !== texts[i] && differences++ < 10)
      console.log('double', v, formatDouble(v), texts[i]);
  });
  console.log(`doubles: ${values.length} compared, ${differences} differences`);
  return differences;
}

function ourInlineOutcome(request: Buffer): string {
  const parser = new RequestParser();
  parser.push(request);
  const commands: string[][] = [];
  for (let argv = parser.next(); argv !== null; argv = parser.next())
    commands.push(argv.map((a) => a.toString('latin1')));
  if (parser.error !== null) return `ERR:${parser.error}`;
  return `ARGS:${JSON.stringify(commands[1]!.slice(2))}`;
}

function redisInlineOutcome(out: string): string {
  if (out.includes('-ERR Protocol error'))
    return `ERR:${out.slice(out.indexOf('Protocol error'), out.lastIndexOf('\r\n'))}`;
  if (out.includes('wrong number')) return 'ARGS:[]';
  const range = out.slice(out.lastIndexOf('*'));
  const items = [...range.matchAll(/\$(\d+)\r\n/g)].map((m) =>
    range.substr(m.index! + m[0].length, Number(m[1])),
  );
  return `ARGS:${JSON.stringify(items)}`;
}

async function compareInline(): Promise<number> {
  const random = new SeededRandom(11);
  const alphabet = [
    'a',
    'b',
    ' ',
    '\t',
    '"',
    "'",
    '\\',
    'x',
    '4',
    'F',
    'g',
    'n',
    '\r',
    '\v',
    '\f',
    '\xe9',
    '\\x41',
    '\\"',
    "\\'",
  ];
  let differences = 0;
  for (let i = 0; i < 400; i++) {
    let line = '';
    for (let n = 1 + random.nextInt(14); n > 0; n--) line += alphabet[random.nextInt(alphabet.length)];
    const request = Buffer.concat([
      encodeRequest(['DEL', 'l']),
      Buffer.from(`RPUSH l ${line}\r\n`, 'latin1'),
      encodeRequest(['LRANGE', 'l', '0', '-1']),
    ]);
    const ours = ourInlineOutcome(request);
    const theirs = redisInlineOutcome(await exchange(request, QUIET_MS));
    if (ours !== theirs && differences++ < 10) console.log('inline', JSON.stringify(line), ours, theirs);
  }
  console.log(`inline: 400 lines compared, ${differences} differences`);
  return differences;
}

async function compareMultibulk(): Promise<number> {
  const random = new SeededRandom(5);
  const base = Buffer.from('*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n*2\r\n$4\r\nECHO\r\n$1\r\nz\r\n', 'latin1');
  const bytes = [0x2a, 0x24, 0x0d, 0x0a, 0x30, 0x31, 0x32, 0x2d, 0x20, 0x00, 0x78, 0x45];
  let differences = 0;
  for (let i = 0; i < 400; i++) {
    const request = Buffer.from(base);
    for (let n = 1 + random.nextInt(3); n > 0; n--)
      request[random.nextInt(request.length)] = bytes[random.nextInt(bytes.length)]!;
    const parser = new RequestParser();
    parser.push(request);
    let ours = '';
    for (let argv = parser.next(); argv !== null; argv = parser.next()) {
      const echo = argv.length === 2 && argv[0]!.toString('latin1').toUpperCase() === 'ECHO';
      ours += echo ? `$${argv[1]!.length}\r\n${argv[1]!.toString('latin1')}\r\n` : 'X';
    }
    if (parser.error !== null) ours += `-ERR ${parser.error}\r\n`;
    const theirs = (await exchange(request, QUIET_MS)).replace(
      /-ERR (unknown command|wrong number)[^\r]*\r\n/g,
      'X',
    );
    if (ours !== theirs && differences++ < 10)
      console.log('multibulk', JSON.stringify(request.toString('latin1')), ours, theirs);
  }
  console.log(`multibulk: 400 mutations compared, ${differences} differences`);
  return differences;
}

const differences = (await compareDoubles()) + (await compareInline()) + (await compareMultibulk());
process.exitCode = differences === 0 ? 0 : 1;
