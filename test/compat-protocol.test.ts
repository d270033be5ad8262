// Redis 7.0 compatibility of the wire protocol: RESP requests split at every byte boundary,
// pipelined mixed RESP and inline commands, inline quoting rules, and protocol errors, each of
// which must be answered with its exact `-ERR Protocol error: ...` text and then close the
// connection (with the replies to earlier pipelined commands delivered first). Also the
// proto-max-bulk-len and unauthenticated request limits, and redis-cli --pipe (raw mode).
// The connection is closed for good, not half-closed: a client that goes on writing after the
// error (Redis's "protocol desync" tests) sees its writes fail. Requests that look like HTTP
// (`POST`, `Host:`, Redis's cross-protocol guard) close the connection without a reply. Error
// replies quote the client's bytes unchanged (non-ASCII, invalid UTF-8).
// How: raw bytes over a socket (helpers/resp-client.ts `sendRaw`) against Seshat and a real
// redis-server (helpers/targets.ts); closes are awaited through the client's `closed` promise.
import net from 'node:net';
import t, { type Test } from 'tap';
import { redisCli, redisCliAvailable } from './helpers/redis-cli.ts';
import { encodeCommand, type RespClient, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';

/** Sends raw bytes, expects `replies` (rendered) and then a close by the server. */
async function expectClose(
  t: Test,
  server: ServerHandle,
  bytes: string | Buffer,
  replies: string[],
): Promise<void> {
  const c = await connect(t, server);
  c.sendRaw(bytes);
  const got: string[] = [];
  for (let i = 0; i < replies.length; i++) got.push(show(await c.readReply()));
  t.same(got, replies, `replies to ${JSON.stringify(String(bytes).slice(0, 40))}`);
  await c.closed;
  t.ok(c.isClosed, 'server closed the connection');
}

/** Sends raw bytes and expects exactly these replies with the connection still open. */
async function expectReplies(
  t: Test,
  c: RespClient,
  bytes: string | Buffer,
  replies: string[],
): Promise<void> {
  c.sendRaw(bytes);
  const got: string[] = [];
  for (let i = 0; i < replies.length; i++) got.push(show(await c.readReply()));
  t.same(got, replies, `replies to ${JSON.stringify(String(bytes).slice(0, 40))}`);
  t.equal(await c.q('PING'), '+PONG', 'connection still usable');
}

/**
 * Like Redis's "Protocol desync regression" tests: sends `prefix` and 65 KiB without a line end,
 * waits for the error reply, then writes 1 KiB chunks until a write fails (the server closed
 * the connection) or `limitMs` passes. Our side stays open for writing when the server's FIN
 * arrives (allowHalfOpen), as a Tcl socket does, so only a real close ends the loop.
 */
async function writeUntilRefused(
  port: number,
  prefix: Buffer,
  limitMs: number,
): Promise<{ received: string; refused: boolean }> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let received = '';
  let failed = false;
  const replied = new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (received.endsWith('\r\n')) resolve();
    });
    socket.on('close', () => resolve());
  });
  socket.on('error', () => {
    failed = true;
  });
  socket.on('close', () => {
    failed = true;
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(Buffer.concat([prefix, Buffer.alloc(65 * 1024, 'A')]));
  await replied;
  const chunk = Buffer.alloc(1024, 'A');
  const deadline = performance.now() + limitMs;
  while (!failed && performance.now() < deadline) {
    await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  socket.destroy();
  return { received, refused: failed };
}

/** The first reply line (with its CRLF) to `bytes` on a new connection, as raw bytes. */
async function rawReply(port: number, bytes: Buffer): Promise<Buffer> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  const chunks: Buffer[] = [];
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        const all = Buffer.concat(chunks);
        const end = all.indexOf('\r\n');
        if (end >= 0) resolve(all.subarray(0, end + 2));
      });
      socket.write(bytes);
    });
  } finally {
    socket.destroy();
  }
}

const PROTOCOL_ERRORS: Array<[name: string, bytes: string, replies: string[]]> = [
  ['bulk length not a number', '*1\r\n$abc\r\n', ['-ERR Protocol error: invalid bulk length']],
  ['negative bulk length', '*1\r\n$-1\r\n', ['-ERR Protocol error: invalid bulk length']],
  [
    'bulk longer than proto-max-bulk-len',
    '*1\r\n$536870913\r\n',
    ['-ERR Protocol error: invalid bulk length'],
  ],
  ['multibulk length not a number', '*x\r\n', ['-ERR Protocol error: invalid multibulk length']],
  ['multibulk length over INT_MAX', '*2147483648\r\n', ['-ERR Protocol error: invalid multibulk length']],
  ['array element not a bulk string', '*1\r\n+PING\r\n', ["-ERR Protocol error: expected '$', got '+'"]],
  [
    'array element is an integer',
    '*2\r\n$3\r\nGET\r\n:1\r\n',
    ["-ERR Protocol error: expected '$', got ':'"],
  ],
  ['unbalanced quotes in inline', 'SET k "a\r\n', ['-ERR Protocol error: unbalanced quotes in request']],
  ['unbalanced single quotes', "ECHO 'abc\r\n", ['-ERR Protocol error: unbalanced quotes in request']],
  [
    'closing quote followed by a letter',
    'ECHO "a"b\r\n',
    ['-ERR Protocol error: unbalanced quotes in request'],
  ],
  [
    'replies to earlier pipelined commands come first',
    '*1\r\n$4\r\nPING\r\nPING\r\n*1\r\n$x\r\n',
    ['+PONG', '+PONG', '-ERR Protocol error: invalid bulk length'],
  ],
  [
    'mbulk count line without CRLF over 64 KiB',
    `*${'1'.repeat(70_000)}`,
    ['-ERR Protocol error: too big mbulk count string'],
  ],
  [
    'bulk count line without CRLF over 64 KiB',
    `*1\r\n$${'1'.repeat(70_000)}`,
    ['-ERR Protocol error: too big bulk count string'],
  ],
  [
    'inline request without newline over 64 KiB',
    `PING ${'a'.repeat(70_000)}`,
    ['-ERR Protocol error: too big inline request'],
  ],
];

forEachTarget(t, async (t, { server, client }) => {
  t.test('a command split at every byte boundary', async (t) => {
    const c = await client(t);
    await c.q('DEL', 'split');
    const cmd = encodeCommand(['SET', 'split', 'v\r\nalue']);
    for (let cut = 1; cut < cmd.length; cut++) {
      c.sendRaw(cmd.subarray(0, cut));
      // Let the first part arrive alone before the rest.
      await new Promise<void>((resolve) => c.socket.write(Buffer.alloc(0), () => resolve()));
      c.sendRaw(cmd.subarray(cut));
      const r = show(await c.readReply());
      if (r !== '+OK') t.fail(`cut at ${cut}: ${r}`);
    }
    t.equal(await c.q('GET', 'split'), '"v\\x0d\\x0aalue"');
    // Byte by byte, one write per byte.
    const get = encodeCommand(['GET', 'split']);
    for (const b of get) c.sendRaw(Buffer.from([b]));
    t.equal(show(await c.readReply()), '"v\\x0d\\x0aalue"');
  });

  t.test('inline commands', async (t) => {
    const c = await client(t);
    await c.q('FLUSHALL');
    await expectReplies(t, c, 'PING\r\n', ['+PONG']);
    await expectReplies(t, c, 'PING\n', ['+PONG']);
    await expectReplies(t, c, '   PING   \r\n', ['+PONG']);
    await expectReplies(t, c, '\r\n\r\nPING\r\n', ['+PONG']);
    await expectReplies(t, c, 'SET k "a b"\r\nGET k\r\n', ['+OK', '"a b"']);
    await expectReplies(t, c, 'ECHO "a\\x41\\n\\t\\"z"\r\n', ['"aA\\x0a\\x09\\"z"']);
    await expectReplies(t, c, "ECHO 'a b\\'c'\r\n", ['"a b\'c"']);
    await expectReplies(t, c, 'ECHO ""\r\n', ['""']);
    await expectReplies(t, c, 'set lower case\r\nget lower\r\n', ['+OK', '"case"']);
    await expectReplies(t, c, 'INCR\r\n', ["-ERR wrong number of arguments for 'incr' command"]);
    await expectReplies(t, c, 'NOSUCH a\r\n', [
      "-ERR unknown command 'NOSUCH', with args beginning with: 'a' ",
    ]);
    // A RESP bulk header sent outside an array is an inline command named "$5".
    await expectReplies(t, c, '$5\r\n', ["-ERR unknown command '$5', with args beginning with: "]);
  });

  t.test('pipelined RESP and inline commands mixed in one write', async (t) => {
    const c = await client(t);
    await c.q('DEL', 'm');
    const bytes = Buffer.concat([
      encodeCommand(['SET', 'm', '1']),
      Buffer.from('INCR m\r\n'),
      encodeCommand(['INCRBY', 'm', '10']),
      Buffer.from('GET m\r\n'),
      encodeCommand(['PING']),
    ]);
    await expectReplies(t, c, bytes, ['+OK', ':2', ':12', '"12"', '+PONG']);
  });

  t.test('empty and incomplete frames wait for more bytes', async (t) => {
    const c = await client(t);
    c.sendRaw('*0\r\n*-1\r\n');
    c.sendRaw('*1\r\n$4\r\nPI');
    c.sendRaw('NG\r\n');
    t.equal(show(await c.readReply()), '+PONG', '*0 and *-1 are skipped without a reply');
  });

  for (const [name, bytes, replies] of PROTOCOL_ERRORS) {
    t.test(`protocol error: ${name}`, (t) => expectClose(t, server, bytes, replies));
  }

  for (const prefix of ['\x00', '*\x00', '$\x00']) {
    t.test(
      `a client writing on after a protocol error is disconnected (${JSON.stringify(prefix)})`,
      async (t) => {
        const r = await writeUntilRefused(server.port, Buffer.from(prefix, 'latin1'), 10_000);
        t.ok(r.refused, 'writes fail once the server closed the connection');
        t.match(r.received, /^-ERR Protocol error: too big (inline request|mbulk count string)\r\n$/);
      },
    );
  }

  t.test('HTTP requests (POST, Host:) close the connection without a reply', async (t) => {
    for (const bytes of [
      'POST / HTTP/1.1\r\nHost: localhost\r\n\r\n',
      'post /x\r\n',
      '*2\r\n$5\r\nHOST:\r\n$9\r\nlocalhost\r\n',
    ]) {
      const c = await client(t);
      t.equal(await c.q('PING'), '+PONG');
      c.sendRaw(bytes);
      await Promise.race([c.closed, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      t.ok(c.isClosed, `closed after ${JSON.stringify(bytes.slice(0, 12))}`);
      c.socket.destroy();
    }
    // Only the first argument counts; a command with such an argument is an ordinary one.
    const c = await client(t);
    t.equal(await c.q('ECHO', 'Host:'), '"Host:"');
    t.match(await c.q('POSTX'), /^-ERR unknown command 'POSTX'/);
  });

  t.test("error replies quote the client's bytes unchanged", async (t) => {
    // Raw bytes: the test client decodes error lines as UTF-8, which would hide the difference.
    const name = Buffer.from([0x6e, 0xc3, 0xa9, 0xff, 0x80]);
    t.same(
      await rawReply(server.port, encodeCommand([name, Buffer.from([0xe9])])),
      Buffer.concat([
        Buffer.from("-ERR unknown command '"),
        name,
        Buffer.from("', with args beginning with: '\xe9' \r\n", 'latin1'),
      ]),
    );
    t.same(
      await rawReply(server.port, Buffer.from('*1\r\n\xe9\r\n', 'latin1')),
      Buffer.from("-ERR Protocol error: expected '$', got '\xe9'\r\n", 'latin1'),
    );
    t.same(
      await rawReply(server.port, encodeCommand(['HELLO', '3', Buffer.from([0xc3, 0x28])])),
      Buffer.from("-ERR Syntax error in HELLO option '\xc3('\r\n", 'latin1'),
    );
  });

  t.test('other connections are unaffected by a protocol error', async (t) => {
    const ok = await client(t);
    await expectClose(t, server, '*1\r\n$x\r\n', ['-ERR Protocol error: invalid bulk length']);
    t.equal(await ok.q('PING'), '+PONG');
  });

  t.test(
    'redis-cli --pipe sends raw protocol (inline and RESP)',
    { skip: !redisCliAvailable() && 'no redis-cli' },
    async (t) => {
      const c = await client(t);
      await c.q('DEL', 'pa');
      const input = 'SET pa 1\r\nINCR pa\r\n*2\r\n$4\r\nINCR\r\n$2\r\npa\r\n';
      const r = await redisCli(server.port, ['--pipe'], { input });
      t.equal(r.code, 0);
      t.match(r.stdout, /errors: 0, replies: 3\n$/);
      t.equal(await c.q('GET', 'pa'), '"3"');
      const bad = await redisCli(server.port, ['--pipe'], { input: 'INCR\r\nPING\r\n' });
      t.equal(bad.code, 1, 'exit code 1 when a reply was an error');
      t.match(bad.stdout, /errors: 1, replies: 2\n$/);
    },
  );
});

forEachTarget(
  t,
  async (t, { server, client }) => {
    t.test('bulk over proto-max-bulk-len is a protocol error', (t) =>
      expectClose(t, server, '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n', [
        '-ERR Protocol error: invalid bulk length',
      ]),
    );
    t.test('bulk of exactly proto-max-bulk-len is accepted', async (t) => {
      const c = await client(t);
      const value = Buffer.alloc(1048576, 'v');
      t.equal(await c.q('SET', 'k', value), '+OK');
      t.equal(await c.q('STRLEN', 'k'), ':1048576');
      t.equal(await c.q('APPEND', 'k', 'x'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)');
      t.equal(
        await c.q('SETRANGE', 'k', '1048576', 'x'),
        '-ERR string exceeds maximum allowed size (proto-max-bulk-len)',
      );
    });
    t.test('CONFIG GET shows the limit', async (t) => {
      const c = await client(t);
      t.equal(await c.q('CONFIG', 'GET', 'proto-max-bulk-len'), '["proto-max-bulk-len", "1048576"]');
    });
  },
  // Redis refuses values below 1 MiB for this parameter.
  { config: { 'proto-max-bulk-len': 1048576 }, name: 'proto-max-bulk-len 1048576' },
);

forEachTarget(
  t,
  async (t, { server }) => {
    t.test('unauthenticated multibulk length over 10', (t) =>
      expectClose(t, server, '*11\r\n', ['-ERR Protocol error: unauthenticated multibulk length']),
    );
    t.test('unauthenticated bulk length over 16384', (t) =>
      expectClose(t, server, '*1\r\n$16385\r\n', ['-ERR Protocol error: unauthenticated bulk length']),
    );
    t.test('limits end after AUTH', async (t) => {
      const c = await connect(t, server);
      t.equal(await c.q('AUTH', 'secret'), '+OK');
      t.equal(await c.q('ECHO', 'x'.repeat(20_000)), `"${'x'.repeat(20_000)}"`);
      t.equal(await c.q('DEL', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'), ':0');
    });
  },
  { config: { requirepass: 'secret' }, name: 'requirepass' },
);
