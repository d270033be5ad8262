// Redis 7.0 compatibility of the connection commands: PING, ECHO, HELLO (RESP2/RESP3
// negotiation, AUTH and SETNAME options, reply fields), AUTH with requirepass, QUIT, RESET,
// SELECT, and CLIENT ID/SETNAME/GETNAME/INFO/LIST/KILL/REPLY/NO-EVICT (+ SETINFO, Seshat only).
// How: raw RESP with exact reply types against Seshat and a real redis-server
// (helpers/targets.ts); ioredis with RESP3 (its default, HELLO 3) and RESP2 (`protocol: 2`),
// with and without a password; redis-cli for PING/ECHO/AUTH. The HELLO map is compared by
// field names and types (server and version values may differ).
import { Redis, type RedisOptions } from 'ioredis';
import t, { type Test } from 'tap';
import { waitUntil } from './helpers/wait.ts';
import { redisCli, redisCliAvailable } from './helpers/redis-cli.ts';
import { encodeCommand, type RespClient, type RespValue, show, text } from './helpers/resp-client.ts';
import {
  type Case,
  checkCases,
  checkCasesBothProtocols,
  connect,
  forEachTarget,
  ioredis,
} from './helpers/targets.ts';

const WRONG_ARGS = (cmd: string) => `-ERR wrong number of arguments for '${cmd}' command`;
const NOAUTH = '-NOAUTH Authentication required.';
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.';
const HELLO_FIELDS = ['server', 'version', 'proto', 'id', 'mode', 'role', 'modules'];
// CLIENT INFO / CLIENT LIST fields of Redis 7.0, in order.
const CLIENT_FIELDS_7_0 = [
  'id',
  'addr',
  'laddr',
  'fd',
  'name',
  'age',
  'idle',
  'flags',
  'db',
  'sub',
  'psub',
  'ssub',
  'multi',
  'qbuf',
  'qbuf-free',
  'argv-mem',
  'multi-mem',
  'rbs',
  'rbp',
  'obl',
  'oll',
  'omem',
  'tot-mem',
  'events',
  'cmd',
  'user',
  'redir',
  'resp',
];

const PING_ECHO: Case[] = [
  [['PING'], '+PONG'],
  [['ping'], '+PONG'],
  [['PING', 'hello'], '"hello"'],
  [['PING', ''], '""'],
  [['PING', 'a', 'b'], WRONG_ARGS('ping')],
  [['ECHO', 'hi there'], '"hi there"'],
  [['ECHO', ''], '""'],
  [['ECHO'], WRONG_ARGS('echo')],
  [['ECHO', 'a', 'b'], WRONG_ARGS('echo')],
  [['FOO', 'a', 'b'], "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' "],
  [['foo'], "-ERR unknown command 'foo', with args beginning with: "],
  [['GET-X', ''], "-ERR unknown command 'GET-X', with args beginning with: '' "],
];

const HELLO_ERRORS: Case[] = [
  [['HELLO', '4'], '-NOPROTO unsupported protocol version'],
  [['HELLO', '1'], '-NOPROTO unsupported protocol version'],
  [['HELLO', 'foo'], '-ERR Protocol version is not an integer or out of range'],
  [['HELLO', '3', 'FOO'], "-ERR Syntax error in HELLO option 'FOO'"],
  [['HELLO', '3', 'AUTH', 'default'], "-ERR Syntax error in HELLO option 'AUTH'"],
  [['HELLO', '3', 'SETNAME'], "-ERR Syntax error in HELLO option 'SETNAME'"],
  [
    ['HELLO', '3', 'SETNAME', 'a b'],
    '-ERR Client names cannot contain spaces, newlines or special characters.',
  ],
  [
    ['AUTH', 'x'],
    '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  ],
  [['AUTH'], WRONG_ARGS('auth')],
  [['AUTH', 'a', 'b', 'c'], '-ERR syntax error'],
];

const CLIENT_CASES: Case[] = [
  [['CLIENT', 'GETNAME'], '$-1'],
  [['CLIENT', 'SETNAME', 'conn-1'], '+OK'],
  [['CLIENT', 'GETNAME'], '"conn-1"'],
  [['CLIENT', 'SETNAME', 'a b'], '-ERR Client names cannot contain spaces, newlines or special characters.'],
  [['CLIENT', 'SETNAME', 'a\nb'], '-ERR Client names cannot contain spaces, newlines or special characters.'],
  [['CLIENT', 'SETNAME', ''], '+OK'],
  [['CLIENT', 'GETNAME'], '$-1'],
  [['CLIENT', 'SETNAME'], WRONG_ARGS('client|setname')],
  [['CLIENT', 'SETNAME', 'a', 'b'], WRONG_ARGS('client|setname')],
  [['CLIENT', 'ID', 'x'], WRONG_ARGS('client|id')],
  [['CLIENT', 'INFO', 'x'], WRONG_ARGS('client|info')],
  [['CLIENT'], WRONG_ARGS('client')],
  [['CLIENT', 'FOO'], "-ERR unknown subcommand 'FOO'. Try CLIENT HELP."],
  [['CLIENT', 'NO-EVICT', 'on'], '+OK'],
  [['CLIENT', 'NO-EVICT', 'OFF'], '+OK'],
  [['CLIENT', 'NO-EVICT', 'x'], '-ERR syntax error'],
  [['CLIENT', 'REPLY', 'ON'], '+OK'],
  [['CLIENT', 'REPLY', 'FOO'], '-ERR syntax error'],
  [['CLIENT', 'LIST', 'TYPE', 'foo'], "-ERR Unknown client type 'foo'"],
  [['CLIENT', 'LIST', 'ID', 'x'], '-ERR Invalid client ID'],
  [['CLIENT', 'LIST', 'FOO'], '-ERR syntax error'],
  [['CLIENT', 'LIST', 'ID', '999999'], '""', '=txt:""'],
  [['CLIENT', 'KILL', 'ID', 'x'], '-ERR client-id should be greater than 0'],
  [['CLIENT', 'KILL', 'ID', '999999'], ':0'],
  [['CLIENT', 'KILL', 'FOO', 'bar'], '-ERR syntax error'],
  [['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5'], ':0'],
  [['CLIENT', 'KILL', '1.2.3.4:5'], '-ERR No such client'],
  [['CLIENT', 'KILL', 'USER', 'nouser'], "-ERR No such user 'nouser'"],
];

/** Connects ioredis expecting failure; returns the messages of its 'error' events. */
async function connectErrors(port: number, opts: RedisOptions): Promise<string[]> {
  const r = new Redis({
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...opts,
  });
  const errors: string[] = [];
  r.on('error', (e: Error) => errors.push(e.message));
  try {
    await r.connect();
    errors.push('unexpectedly connected');
  } catch {
    // expected: "Connection is closed."
  }
  r.disconnect();
  return errors;
}

function intOf(v: RespValue): number {
  if (v.type !== 'integer') throw new Error(`expected an integer, got ${show(v)}`);
  return Number(v.value);
}

/** Parses one CLIENT INFO line into ordered [field, value] pairs. */
function clientFields(line: string): Array<[string, string]> {
  return line
    .trim()
    .split(' ')
    .map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i), kv.slice(i + 1)] as [string, string];
    });
}

async function checkHello(t: Test, c: RespClient, proto: 2 | 3, id: number): Promise<void> {
  const r = await c.send(['HELLO', String(proto)]);
  t.equal(r.type, proto === 3 ? 'map' : 'array', `HELLO ${proto} reply type`);
  const pairs: Array<[string, RespValue]> =
    r.type === 'map'
      ? r.value.map(([k, v]) => [text(k), v])
      : r.type === 'array'
        ? r.value.flatMap((v, i, a) => (i % 2 === 0 ? [[text(v), a[i + 1]!] as [string, RespValue]] : []))
        : [];
  t.same(
    pairs.map(([k]) => k),
    HELLO_FIELDS,
    'field names in order',
  );
  const f = new Map(pairs);
  t.equal(f.get('server')?.type, 'bulk');
  t.match(show(f.get('version')!), /^"\d+\.\d+\.\d+"$/, 'version is a bulk x.y.z');
  t.equal(show(f.get('proto')!), `:${proto}`);
  t.equal(show(f.get('id')!), `:${id}`, 'id is the CLIENT ID');
  t.equal(show(f.get('mode')!), '"standalone"');
  t.equal(show(f.get('role')!), '"master"');
  t.equal(show(f.get('modules')!), '[]');
}

forEachTarget(t, async (t, { kind, server, client }) => {
  t.test('PING, ECHO, unknown command', (t) => checkCasesBothProtocols(t, server, PING_ECHO));

  t.test('HELLO negotiates the protocol and replies with the server map', async (t) => {
    const c = await client(t);
    const id = intOf(await c.send(['CLIENT', 'ID']));
    await checkHello(t, c, 3, id);
    t.equal(await c.q('GET', 'nokey'), '_', 'RESP3 null after HELLO 3');
    t.equal(show(await c.send(['CONFIG', 'GET', 'maxclients'])).startsWith('{'), true, 'maps after HELLO 3');
    await checkHello(t, c, 2, id);
    t.equal(await c.q('GET', 'nokey'), '$-1', 'RESP2 null after HELLO 2');
    const bare = await c.send(['HELLO']);
    t.equal(bare.type, 'array', 'HELLO without version keeps RESP2');
    await checkCases(t, c, HELLO_ERRORS);
    // Without requirepass the default user is "nopass": HELLO AUTH accepts any password, while a
    // bare AUTH <password> is an error (see HELLO_ERRORS).
    t.equal(
      (await c.send(['HELLO', '3', 'AUTH', 'default', 'anything'])).type,
      'map',
      'HELLO AUTH with nopass',
    );
    t.equal((await c.send(['HELLO', '3', 'SETNAME', 'via-hello'])).type, 'map');
    t.equal(await c.q('CLIENT', 'GETNAME'), '"via-hello"');
  });

  t.test('CLIENT subcommands', (t) => checkCasesBothProtocols(t, server, CLIENT_CASES));

  t.test('CLIENT ID, INFO and LIST describe the connection', async (t) => {
    const a = await client(t);
    const b = await client(t);
    const idA = intOf(await a.send(['CLIENT', 'ID']));
    const idB = intOf(await b.send(['CLIENT', 'ID']));
    t.ok(idB > idA, 'ids increase');
    t.equal(intOf(await a.send(['CLIENT', 'ID'])), idA, 'stable per connection');
    await a.q('CLIENT', 'SETNAME', 'alpha');
    await a.q('SELECT', '3');
    const info = await a.send(['CLIENT', 'INFO']);
    t.equal(info.type, 'bulk', 'RESP2: bulk string');
    const line = text(info);
    t.ok(line.endsWith('\n'), 'ends with a newline');
    const fields = clientFields(line);
    const names = fields.map(([k]) => k);
    // Seshat may append the Redis 7.2 lib-name/lib-ver fields (CLIENT SETINFO).
    const base = kind === 'seshat' && names.at(-1) === 'lib-ver' ? names.slice(0, -2) : names;
    t.same(base, CLIENT_FIELDS_7_0, 'CLIENT INFO fields, in Redis order');
    const f = new Map(fields);
    t.equal(f.get('id'), String(idA));
    t.equal(f.get('name'), 'alpha');
    t.equal(f.get('db'), '3');
    t.equal(f.get('cmd'), 'client|info');
    t.equal(f.get('user'), 'default');
    t.equal(f.get('resp'), '2');
    t.equal(f.get('flags'), 'N');
    t.equal(f.get('multi'), '-1');
    t.equal(f.get('addr'), `127.0.0.1:${a.socket.localPort}`, 'addr is the client side of the socket');
    t.equal(f.get('laddr'), `127.0.0.1:${server.port}`, 'laddr is the server side');
    const list = text(await a.send(['CLIENT', 'LIST']));
    const lines = list.split('\n').filter(Boolean);
    const ids = lines.map((l) => new Map(clientFields(l)).get('id'));
    t.ok(ids.includes(String(idA)) && ids.includes(String(idB)), 'CLIENT LIST has both connections');
    const byId = text(await a.send(['CLIENT', 'LIST', 'ID', String(idB), '999999']));
    t.equal(byId.split('\n').filter(Boolean).length, 1);
    t.equal(new Map(clientFields(byId)).get('id'), String(idB));
    t.equal(new Map(clientFields(byId)).get('cmd'), 'client|id', 'last command of the other client');
    t.match(text(await a.send(['CLIENT', 'LIST', 'TYPE', 'normal'])), `id=${idA} `);
    await a.send(['HELLO', '3']);
    const info3 = await a.send(['CLIENT', 'INFO']);
    t.equal(info3.type, 'verbatim', 'RESP3: verbatim string');
    t.ok(info3.type === 'verbatim' && info3.format === 'txt', 'format txt');
    t.equal(new Map(clientFields(text(info3))).get('resp'), '3');
  });

  t.test('CLIENT LIST buffer fields and flags', async (t) => {
    const a = await client(t);
    const b = await client(t);
    const fieldsOf = async (argv: string[]) => new Map(clientFields(text(await a.send(argv))));
    // The command being run is in the query buffer (26 bytes of RESP), its arguments in argv-mem.
    let f = await fieldsOf(['CLIENT', 'INFO']);
    for (const [k, v] of [
      ['qbuf', '26'],
      ['argv-mem', '10'],
      ['multi-mem', '0'],
      ['obl', '0'],
      ['oll', '0'],
      ['omem', '0'],
      ['events', 'r'],
      ['flags', 'N'],
    ])
      t.equal(f.get(k), v, k);
    t.ok(Number(f.get('qbuf-free')) > 0, 'room in the query buffer');
    t.ok(
      Number(f.get('tot-mem')) >= Number(f.get('qbuf')) + Number(f.get('qbuf-free')),
      'tot-mem covers them',
    );
    const idB = intOf(await b.send(['CLIENT', 'ID']));
    // MULTI: flag x, queued commands and their memory (argument bytes and a pointer each).
    await b.q('MULTI');
    await b.q('SET', 'k', 'value');
    await b.q('PING');
    const other = async () =>
      new Map(clientFields(text(await a.send(['CLIENT', 'LIST', 'ID', String(idB)]))));
    f = await other();
    t.equal(f.get('flags'), 'x');
    t.equal(f.get('multi'), '2');
    t.equal(f.get('multi-mem'), String(3 + 1 + 5 + 3 * 8 + 4 + 8));
    t.equal(f.get('qbuf'), '0', 'nothing unparsed');
    // A partial command waits in the query buffer.
    await b.q('DISCARD');
    b.sendRaw('*2\r\n$4\r\nECHO\r\n$3\r\nab');
    await waitUntil(async () => (await other()).get('qbuf') !== '0', { what: 'partial command buffered' });
    f = await other();
    t.equal(f.get('qbuf'), '2', 'the bytes of the argument still to come (parsed ones are in argv)');
    t.equal(f.get('argv-mem'), '4', 'ECHO, parsed');
    b.sendRaw('c\r\n');
    t.equal(show(await b.readReply()), '"abc"');
    // An idle client's query buffer is given back (Redis: idle over 2 s).
    await waitUntil(async () => (await other()).get('qbuf-free') === '0', {
      what: 'query buffer released',
      timeoutMs: 6000,
    });
    t.equal((await other()).get('qbuf'), '0');
    t.equal(await b.q('PING'), '+PONG', 'and the connection works on');
  });

  t.test('CLIENT KILL closes the other connection', async (t) => {
    const a = await client(t);
    const b = await client(t);
    const c = await client(t);
    const idB = intOf(await b.send(['CLIENT', 'ID']));
    t.equal(await a.q('CLIENT', 'KILL', 'ID', String(idB)), ':1');
    await b.closed;
    t.pass('killed by ID');
    const addrC = `127.0.0.1:${c.socket.localPort}`;
    t.equal(await a.q('CLIENT', 'KILL', addrC), '+OK', 'old form: CLIENT KILL addr:port');
    await c.closed;
    t.pass('killed by old-style address');
    const d = await client(t);
    await d.q('PING');
    t.equal(await a.q('CLIENT', 'KILL', 'ADDR', `127.0.0.1:${d.socket.localPort}`, 'SKIPME', 'yes'), ':1');
    await d.closed;
    const idA = intOf(await a.send(['CLIENT', 'ID']));
    t.equal(
      await a.q('CLIENT', 'KILL', 'ID', String(idA), 'SKIPME', 'yes'),
      ':0',
      'SKIPME yes spares the caller',
    );
    const killSelf = a.send(['CLIENT', 'KILL', 'ID', String(idA), 'SKIPME', 'no']);
    t.equal(show(await killSelf), ':1', 'reply arrives before the close');
    await a.closed;
    t.pass('killed itself');
  });

  t.test('CLIENT REPLY OFF and SKIP suppress replies', async (t) => {
    const c = await client(t);
    await c.q('DEL', 'r1', 'r2', 'r3');
    c.sendRaw(
      Buffer.concat([
        encodeCommand(['CLIENT', 'REPLY', 'OFF']),
        encodeCommand(['SET', 'r1', '1']),
        encodeCommand(['GET', 'r1']),
        encodeCommand(['CLIENT', 'REPLY', 'ON']),
        encodeCommand(['CLIENT', 'REPLY', 'SKIP']),
        encodeCommand(['SET', 'r2', '2']),
        encodeCommand(['GET', 'r2']),
      ]),
    );
    t.equal(show(await c.readReply()), '+OK', 'first reply is the one of CLIENT REPLY ON');
    t.equal(show(await c.readReply()), '"2"', 'then GET r2: SET r2 was skipped');
    t.equal(await c.q('MGET', 'r1', 'r2'), '["1", "2"]', 'suppressed commands still ran');
  });

  t.test('QUIT replies +OK and closes', async (t) => {
    const c = await client(t);
    t.equal(await c.q('QUIT'), '+OK');
    await c.closed;
    const d = await client(t);
    t.equal(await d.q('QUIT', 'extra', 'args'), '+OK', 'arguments are ignored');
    await d.closed;
  });

  t.test('RESET restores the connection defaults', async (t) => {
    const c = await client(t);
    const id = intOf(await c.send(['CLIENT', 'ID']));
    await c.send(['HELLO', '3']);
    await c.q('SELECT', '5');
    await c.q('CLIENT', 'SETNAME', 'named');
    t.equal(await c.q('RESET'), '+RESET');
    t.equal(await c.q('CLIENT', 'GETNAME'), '$-1', 'name cleared, RESP2 again');
    const f = new Map(clientFields(text(await c.send(['CLIENT', 'INFO']))));
    t.equal(f.get('db'), '0');
    t.equal(f.get('resp'), '2');
    t.equal(f.get('id'), String(id), 'same connection id');
    t.equal(await c.q('RESET', 'x'), WRONG_ARGS('reset'));
  });

  t.test(
    'SETINFO (Redis 7.2 command, not in 7.0)',
    { skip: kind !== 'seshat' && 'Redis 7.0 has no CLIENT SETINFO' },
    async (t) => {
      const c = await client(t);
      t.equal(await c.q('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib'), '+OK');
      t.equal(await c.q('CLIENT', 'SETINFO', 'lib-ver', '1.2.3'), '+OK');
      t.match(await c.q('CLIENT', 'SETINFO', 'FOO', 'x'), /^-ERR /);
      t.match(await c.q('CLIENT', 'SETINFO', 'LIB-NAME', 'a b'), /^-ERR /);
      t.equal(await c.q('CLIENT', 'SETINFO', 'LIB-NAME'), WRONG_ARGS('client|setinfo'));
    },
  );

  t.test(
    'SETINFO on Redis 7.0 (what clients see from the reference)',
    { skip: kind !== 'redis' && 'reference only' },
    async (t) => {
      const c = await client(t);
      t.equal(
        await c.q('CLIENT', 'SETINFO', 'LIB-NAME', 'x'),
        "-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.",
      );
    },
  );

  for (const protocol of [3, 2] as const) {
    t.test(`ioredis connects (protocol ${protocol})`, async (t) => {
      const r = await ioredis(t, server, { protocol, connectionName: 'io-client' });
      t.equal(await r.ping(), 'PONG');
      t.equal(await r.echo('x'), 'x');
      t.equal(await r.client('GETNAME'), 'io-client');
      const info = (await r.client('INFO')) as string;
      t.match(info, `resp=${protocol}`);
      t.equal(await r.select(2), 'OK');
      const hello = (await r.call('HELLO', String(protocol))) as unknown[];
      t.equal(hello[0], 'server', 'legacy reply mapping: flat array in both protocols');
    });
  }

  t.test('redis-cli PING/ECHO', { skip: !redisCliAvailable() && 'redis-cli not installed' }, async (t) => {
    t.same(await redisCli(server.port, ['PING']), { stdout: 'PONG\n', stderr: '', code: 0 });
    t.equal((await redisCli(server.port, ['ECHO', 'a b'])).stdout, 'a b\n');
    t.equal((await redisCli(server.port, ['-3', '--no-raw', 'HELLO', '3'])).code, 0);
    const resp3 = await redisCli(server.port, ['-3', '--no-raw', 'GET', 'nokey']);
    t.equal(resp3.stdout, '(nil)\n');
  });
});

forEachTarget(
  t,
  async (t, { server }) => {
    t.test('NOAUTH before AUTH, WRONGPASS, then access', async (t) => {
      const c = await connect(t, server);
      await checkCases(t, c, [
        [['PING'], NOAUTH],
        [['GET', 'k'], NOAUTH],
        [['CLIENT', 'ID'], NOAUTH],
        [['SELECT', '1'], NOAUTH],
        // An unknown command is reported as such even before authentication.
        [['FOO'], "-ERR unknown command 'FOO', with args beginning with: "],
        [
          ['HELLO', '3'],
          '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
        ],
        [['AUTH'], WRONG_ARGS('auth')],
        [['AUTH', 'wrong'], WRONGPASS],
        [['AUTH', 'default', 'wrong'], WRONGPASS],
        [['AUTH', 'nouser', 'secret'], WRONGPASS],
        [['AUTH', 'a', 'b', 'c'], '-ERR syntax error'],
        [['HELLO', '3', 'AUTH', 'default', 'wrong'], WRONGPASS],
        [['PING'], NOAUTH],
        [['AUTH', 'secret'], '+OK'],
        [['PING'], '+PONG'],
        [['AUTH', 'wrong'], WRONGPASS],
        [['PING'], '+PONG'],
        [['AUTH', 'default', 'secret'], '+OK'],
      ]);
    });

    t.test('HELLO AUTH authenticates, RESET de-authenticates, QUIT works unauthenticated', async (t) => {
      const c = await connect(t, server);
      const r = await c.send(['HELLO', '3', 'AUTH', 'default', 'secret', 'SETNAME', 'n1']);
      t.equal(r.type, 'map');
      t.equal(await c.q('CLIENT', 'GETNAME'), '"n1"');
      t.equal(await c.q('RESET'), '+RESET');
      t.equal(await c.q('PING'), NOAUTH, 'RESET returns to the unauthenticated default user');
      t.equal(await c.q('QUIT'), '+OK');
      await c.closed;
    });

    for (const protocol of [3, 2] as const) {
      t.test(`ioredis with password (protocol ${protocol})`, async (t) => {
        const r = await ioredis(t, server, { protocol, password: 'secret' });
        t.equal(await r.set('k', 'v'), 'OK');
        t.equal(await r.get('k'), 'v');
        // A failed handshake surfaces as an 'error' event, then connect() rejects.
        t.match(await connectErrors(server.port, { protocol, password: 'wrong' }), [/^WRONGPASS invalid/]);
        // RESP3: HELLO 3 is refused; RESP2: the INFO ready check is refused.
        const noPass = protocol === 3 ? /^NOAUTH HELLO must be called/ : /^NOAUTH Authentication required\.$/;
        t.match(await connectErrors(server.port, { protocol }), [noPass]);
      });
    }

    t.test('redis-cli -a', { skip: !redisCliAvailable() && 'redis-cli not installed' }, async (t) => {
      const ok = await redisCli(server.port, ['-a', 'secret', '--no-auth-warning', 'PING']);
      t.same(ok, { stdout: 'PONG\n', stderr: '', code: 0 });
      const no = await redisCli(server.port, ['PING']);
      t.equal(no.stdout, 'NOAUTH Authentication required.\n\n');
      const bad = await redisCli(server.port, ['-a', 'nope', '--no-auth-warning', 'PING']);
      t.match(bad.stdout + bad.stderr, /WRONGPASS invalid username-password pair or user is disabled\./);
    });
  },
  { config: { requirepass: 'secret' }, name: 'requirepass' },
);
