/**
 * Commands the server process answers itself: connection state (PING, HELLO, AUTH, SELECT,
 * CLIENT ...), introspection (INFO, COMMAND, CONFIG, TIME) and lifecycle (SHUTDOWN, DEBUG).
 */
import {
  BoolReply,
  DATABASE_COUNT,
  ErrorReply,
  MapReply,
  OK,
  PONG,
  type Reply,
  SeshatError,
  SimpleString,
  VerbatimReply,
} from '@seshat/common';
import {
  argIs,
  BUSY_EVAL,
  BUSY_FUNCTION,
  busyScript,
  defineCommand,
  defineSubcommand,
  globMatch,
  parseInt32,
  tryParseI64,
} from '@seshat/kv';
import { type Client, NO_REPLY } from './client.js';

export { NO_REPLY };
import type { SeshatServer } from './server.js';

export type ServerHandler = (server: SeshatServer, client: Client, argv: Buffer[]) => Reply | typeof NO_REPLY;

export const serverHandlers = new Map<string, ServerHandler>();

/** CLIENT UNBLOCK's answer for other kinds of blocked connections (WAIT, wait.ts): true if the
 * client was blocked there and has been answered. */
export const clientUnblockers: ((server: SeshatServer, client: Client, withError: boolean) => boolean)[] = [];

interface Def {
  name: string;
  arity: number;
  flags: string;
  group: string;
  summary: string;
  since: string;
  keys?: [number, number, number];
  complexity?: string;
}

function def(d: Def, handler: ServerHandler | null): void {
  defineCommand({ ...d, exec: 'server' }, null);
  if (handler) serverHandlers.set(d.name, handler);
}

function sub(container: string, d: Def, handler: ServerHandler): void {
  defineSubcommand(container, { ...d, exec: 'server' }, null);
  serverHandlers.set(`${container}|${d.name}`, handler);
}

const C = 'connection';
const S = 'server';
export const RESET_REPLY = new SimpleString('RESET');
export const REDIS_VERSION = '7.0.15';

// ---- connection -------------------------------------------------------------------------

def(
  {
    name: 'ping',
    arity: -1,
    flags: 'fast',
    group: C,
    summary: "Returns the server's liveliness response.",
    since: '1.0.0',
  },
  (_s, client, argv) => {
    if (argv.length > 2) throw new SeshatError('ERR', "wrong number of arguments for 'ping' command");
    if (client.resp === 2 && client.subscriptionCount() > 0)
      return ['pong', argv.length === 2 ? argv[1]! : ''];
    return argv.length === 2 ? argv[1]! : PONG;
  },
);
def(
  { name: 'echo', arity: 2, flags: 'fast', group: C, summary: 'Returns the given string.', since: '1.0.0' },
  (_s, _c, argv) => argv[1]!,
);
def(
  {
    name: 'quit',
    arity: -1,
    flags: 'allow_busy noscript loading stale fast no_auth',
    group: C,
    summary: 'Closes the connection.',
    since: '1.0.0',
  },
  (_s, client) => {
    client.reply(OK);
    client.closing = true;
    return NO_REPLY;
  },
);
def(
  {
    name: 'select',
    arity: 2,
    flags: 'loading stale fast',
    group: C,
    summary: 'Changes the selected database.',
    since: '1.0.0',
  },
  (_s, client, argv) => {
    const id = parseInt32(argv[1]!);
    if (id < 0 || id >= DATABASE_COUNT) throw new SeshatError('ERR', 'DB index is out of range');
    client.db = id;
    return OK;
  },
);
def(
  {
    name: 'auth',
    arity: -2,
    flags: 'noscript loading stale fast no_auth allow_busy',
    group: C,
    summary: 'Authenticates the connection.',
    since: '1.0.0',
  },
  (server, client, argv) => {
    if (argv.length > 3) throw new SeshatError('ERR', 'syntax error');
    const pass = server.config.str('requirepass');
    if (argv.length === 2 && pass === '') {
      throw new SeshatError(
        'ERR',
        'AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    }
    authenticate(server, client, argv.length === 3 ? argv[1]! : null, argv[argv.length - 1]!);
    return OK;
  },
);

function authenticate(server: SeshatServer, client: Client, user: Buffer | null, password: Buffer): void {
  const pass = server.config.str('requirepass');
  const userOk = user === null || user.toString() === 'default';
  const passOk = pass === '' || password.toString() === pass;
  if (!userOk || !passOk)
    throw new SeshatError('WRONGPASS', 'invalid username-password pair or user is disabled.');
  client.authenticated = true;
  client.parser.authenticated = true;
}

def(
  {
    name: 'hello',
    arity: -1,
    flags: 'noscript loading stale fast no_auth allow_busy',
    group: C,
    summary: 'Handshakes with the Redis server.',
    since: '6.0.0',
  },
  (server, client, argv) => {
    let ver = 0;
    if (argv.length >= 2) {
      const v = tryParseI64(argv[1]!);
      if (v === undefined) throw new SeshatError('ERR', 'Protocol version is not an integer or out of range');
      if (v < 2n || v > 3n) throw new SeshatError('NOPROTO', 'unsupported protocol version');
      ver = Number(v);
    }
    let name: Buffer | null = null;
    for (let j = 2; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      if (argIs(argv[j]!, 'auth') && more >= 2) {
        authenticate(server, client, argv[j + 1]!, argv[j + 2]!);
        j += 2;
      } else if (argIs(argv[j]!, 'setname') && more >= 1) {
        name = argv[++j]!;
        validateClientName(name);
      } else throw new SeshatError('ERR', `Syntax error in HELLO option '${argv[j]!.toString('latin1')}'`);
    }
    if (!client.authenticated) {
      throw new SeshatError(
        'NOAUTH',
        'HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      );
    }
    if (name !== null) client.name = name.toString();
    if (ver) client.resp = ver as 2 | 3;
    return new MapReply([
      'server',
      'redis',
      'version',
      REDIS_VERSION,
      'proto',
      client.resp,
      'id',
      client.id,
      'mode',
      'standalone',
      'role',
      'master',
      'modules',
      [],
    ]);
  },
);
def(
  {
    name: 'reset',
    arity: 1,
    flags: 'noscript loading stale fast no_auth allow_busy',
    group: C,
    summary: 'Resets the connection.',
    since: '6.2.0',
  },
  (server, client) => {
    server.resetTransaction(client);
    server.tracking.disable(client);
    client.db = 0;
    client.resp = 2;
    client.name = '';
    client.replyMode = 'on';
    client.noEvict = false;
    client.authenticated = server.config.str('requirepass') === '';
    client.parser.authenticated = client.authenticated;
    return RESET_REPLY;
  },
);

function validateClientName(name: Buffer): void {
  for (const c of name) {
    if (c < 0x21 || c > 0x7e)
      throw new SeshatError('ERR', 'Client names cannot contain spaces, newlines or special characters.');
  }
}

// ---- CLIENT -----------------------------------------------------------------------------

def(
  {
    name: 'client',
    arity: -2,
    flags: '',
    group: C,
    summary: 'A container for client connection commands.',
    since: '2.4.0',
    complexity: 'Depends on subcommand.',
  },
  null,
);
sub(
  'client',
  {
    name: 'id',
    arity: 2,
    flags: 'noscript loading stale',
    group: C,
    summary: 'Returns the unique client ID of the connection.',
    since: '5.0.0',
  },
  (_s, c) => c.id,
);
sub(
  'client',
  {
    name: 'setname',
    arity: 3,
    flags: 'noscript loading stale',
    group: C,
    summary: 'Sets the connection name.',
    since: '2.6.9',
  },
  (_s, c, argv) => {
    validateClientName(argv[2]!);
    c.name = argv[2]!.toString();
    return OK;
  },
);
sub(
  'client',
  {
    name: 'getname',
    arity: 2,
    flags: 'noscript loading stale',
    group: C,
    summary: 'Returns the name of the connection.',
    since: '2.6.9',
  },
  (_s, c) => (c.name === '' ? null : c.name),
);
sub(
  'client',
  {
    name: 'setinfo',
    arity: 4,
    flags: 'noscript loading stale',
    group: C,
    summary: 'Sets information specific to the client or connection.',
    since: '7.2.0',
  },
  (_s, c, argv) => {
    const value = argv[3]!.toString();
    if (/[\s]/.test(value) || [...argv[3]!].some((b) => b < 0x21 || b > 0x7e)) {
      throw new SeshatError(
        'ERR',
        `${argv[2]!.toString('latin1').toLowerCase()} cannot contain spaces, newlines or special characters.`,
      );
    }
    if (argIs(argv[2]!, 'lib-name')) c.libName = value;
    else if (argIs(argv[2]!, 'lib-ver')) c.libVer = value;
    else throw new SeshatError('ERR', `Unrecognized option '${argv[2]!.toString('latin1')}'`);
    return OK;
  },
);
sub(
  'client',
  {
    name: 'list',
    arity: -2,
    flags: 'admin noscript loading stale',
    group: C,
    summary: 'Lists open connections.',
    since: '2.4.0',
  },
  (server, c, argv) => {
    let ids: Set<number> | null = null;
    for (let j = 2; j < argv.length; j++) {
      if (argIs(argv[j]!, 'type') && j + 1 < argv.length) {
        const t = argv[++j]!.toString().toLowerCase();
        if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t))
          throw new SeshatError('ERR', `Unknown client type '${argv[j]!.toString('latin1')}'`);
        if (t !== 'normal') ids = new Set();
      } else if (argIs(argv[j]!, 'id') && j + 1 < argv.length) {
        ids = ids ?? new Set();
        for (j++; j < argv.length; j++) {
          const v = tryParseI64(argv[j]!);
          if (v === undefined || v <= 0n) throw new SeshatError('ERR', 'Invalid client ID');
          ids.add(Number(v));
        }
      } else throw new SeshatError('ERR', 'syntax error');
    }
    let out = '';
    for (const other of server.clients.values())
      if (ids === null || ids.has(other.id)) out += `${server.clientInfoLine(other)}\n`;
    return c.resp === 3 ? new VerbatimReply('txt', out) : out;
  },
);
sub(
  'client',
  {
    name: 'info',
    arity: 2,
    flags: 'noscript loading stale',
    group: C,
    summary: 'Returns information about the connection.',
    since: '6.2.0',
  },
  (server, c) => {
    const line = `${server.clientInfoLine(c)}\n`;
    return c.resp === 3 ? new VerbatimReply('txt', line) : line;
  },
);
sub(
  'client',
  {
    name: 'kill',
    arity: -3,
    flags: 'admin noscript loading stale',
    group: C,
    summary: 'Terminates open connections.',
    since: '2.4.0',
  },
  clientKill,
);
sub(
  'client',
  {
    name: 'reply',
    arity: 3,
    flags: 'noscript loading stale',
    group: C,
    summary: 'Instructs the server whether to reply to commands.',
    since: '3.2.0',
  },
  (_s, c, argv) => {
    if (argIs(argv[2]!, 'on')) {
      c.replyMode = 'on';
      c.forceReply(OK);
    } else if (argIs(argv[2]!, 'off')) c.replyMode = 'off';
    else if (argIs(argv[2]!, 'skip')) {
      if (c.replyMode === 'on') c.replyMode = 'skip';
      return NO_REPLY;
    } else throw new SeshatError('ERR', 'syntax error');
    return NO_REPLY;
  },
);
sub(
  'client',
  {
    name: 'unblock',
    arity: -3,
    flags: 'admin noscript loading stale',
    group: C,
    summary: 'Unblocks a client blocked by a blocking command from a different connection.',
    since: '5.0.0',
  },
  (server, _c, argv) => {
    const id = tryParseI64(argv[2]!);
    if (id === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
    let withError = false;
    if (argv.length === 4) {
      if (argIs(argv[3]!, 'error')) withError = true;
      else if (!argIs(argv[3]!, 'timeout'))
        throw new SeshatError('ERR', 'CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
    } else if (argv.length > 4) throw new SeshatError('ERR', 'syntax error');
    const target = server.clients.get(Number(id));
    if (target === undefined) return 0;
    if (server.blocking.unblock(target, withError)) return 1;
    return clientUnblockers.some((unblock) => unblock(server, target, withError)) ? 1 : 0;
  },
);
sub(
  'client',
  {
    name: 'no-evict',
    arity: 3,
    flags: 'admin noscript loading stale',
    group: C,
    summary: 'Sets the client eviction mode of the connection.',
    since: '7.0.0',
  },
  (_s, c, argv) => {
    if (argIs(argv[2]!, 'on')) c.noEvict = true;
    else if (argIs(argv[2]!, 'off')) c.noEvict = false;
    else throw new SeshatError('ERR', 'syntax error');
    return OK;
  },
);
sub(
  'client',
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    group: C,
    summary: 'Returns helpful text about the different subcommands.',
    since: '5.0.0',
  },
  () =>
    [
      'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'CACHING (YES|NO)',
      '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
      'GETREDIR',
      '    Return the client ID we are redirecting to when tracking is enabled.',
      'GETNAME',
      '    Return the name of the current connection.',
      'ID',
      '    Return the ID of the current connection.',
      'INFO',
      '    Return information about the current client connection.',
      'KILL <ip:port>',
      '    Kill connection made from <ip:port>.',
      'KILL <option> <value> [<option> <value> [...]]',
      '    Kill connections. Options are: ID, ADDR, LADDR, TYPE, USER, SKIPME.',
      'LIST [options ...]',
      '    Return information about client connections.',
      'REPLY (ON|OFF|SKIP)',
      '    Control the replies sent to the current connection.',
      'SETNAME <name>',
      '    Assign the name <name> to the current connection.',
      'SETINFO <LIB-NAME|LIB-VER> <value>',
      '    Set client library name or version.',
      'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
      '         [OPTIN] [OPTOUT] [NOLOOP]',
      '    Control server assisted client side caching.',
      'TRACKINGINFO',
      '    Report tracking status for the current connection.',
      'NO-EVICT (ON|OFF)',
      '    Protect current client connection from eviction.',
      'HELP',
      '    Print this help.',
    ].map((l) => new SimpleString(l)),
);

function clientKill(server: SeshatServer, client: Client, argv: Buffer[]): Reply {
  if (argv.length === 3) {
    const addr = argv[2]!.toString();
    for (const other of server.clients.values()) {
      if (other.addr === addr) {
        killClient(server, client, other);
        return OK;
      }
    }
    throw new SeshatError('ERR', 'No such client');
  }
  if ((argv.length - 2) % 2 !== 0) throw new SeshatError('ERR', 'syntax error');
  let skipMe = true;
  const filters: ((c: Client) => boolean)[] = [];
  for (let j = 2; j < argv.length; j += 2) {
    const v = argv[j + 1]!.toString('latin1');
    if (argIs(argv[j]!, 'id')) {
      const id = tryParseI64(argv[j + 1]!);
      if (id === undefined || id <= 0n) throw new SeshatError('ERR', 'client-id should be greater than 0');
      filters.push((c) => c.id === Number(id));
    } else if (argIs(argv[j]!, 'addr')) filters.push((c) => c.addr === v);
    else if (argIs(argv[j]!, 'laddr')) filters.push((c) => c.laddr === v);
    else if (argIs(argv[j]!, 'user')) {
      if (v !== 'default') throw new SeshatError('ERR', `No such user '${v}'`);
      filters.push(() => true);
    } else if (argIs(argv[j]!, 'type')) {
      const t = v.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t))
        throw new SeshatError('ERR', `Unknown client type '${v}'`);
      filters.push(() => t === 'normal');
    } else if (argIs(argv[j]!, 'skipme')) {
      if (v === 'yes') skipMe = true;
      else if (v === 'no') skipMe = false;
      else throw new SeshatError('ERR', 'syntax error');
    } else throw new SeshatError('ERR', 'syntax error');
  }
  let n = 0;
  for (const other of [...server.clients.values()]) {
    if (skipMe && other === client) continue;
    if (filters.every((f) => f(other))) {
      killClient(server, client, other);
      n++;
    }
  }
  return n;
}

function killClient(_server: SeshatServer, self: Client, victim: Client): void {
  if (victim === self) victim.closing = true;
  else victim.close();
}

// ---- server -----------------------------------------------------------------------------

def(
  {
    name: 'time',
    arity: 1,
    flags: 'loading stale fast',
    group: S,
    summary: 'Returns the server time.',
    since: '2.6.0',
  },
  (server) => {
    const us = BigInt(Math.floor((server.clock.nowMs() + (performance.now() % 1)) * 1000));
    return [String(us / 1000000n), String(us % 1000000n)];
  },
);
def(
  {
    name: 'info',
    arity: -1,
    flags: 'loading stale',
    group: S,
    summary: 'Returns information and statistics about the server.',
    since: '1.0.0',
  },
  (server, c, argv) => {
    const text = server.info(argv.slice(1).map((a) => a.toString().toLowerCase()));
    return c.resp === 3 ? new VerbatimReply('txt', text) : text;
  },
);
def(
  {
    name: 'shutdown',
    arity: -1,
    flags: 'admin noscript loading stale no_multi sentinel allow_busy',
    group: S,
    summary: 'Synchronously saves the database(s) to disk and shuts down the Redis server.',
    since: '1.0.0',
  },
  (server, _c, argv) => {
    let nosave = false;
    for (let j = 1; j < argv.length; j++) {
      if (argIs(argv[j]!, 'abort')) throw new SeshatError('ERR', 'No shutdown in progress.');
      if (!['nosave', 'save', 'now', 'force'].some((w) => argIs(argv[j]!, w)))
        throw new SeshatError('ERR', 'syntax error');
      if (argIs(argv[j]!, 'nosave')) nosave = true;
    }
    // Redis: while a script runs, only SHUTDOWN NOSAVE stops the server.
    const busy = busyScript();
    if (busy !== null && !nosave) return new ErrorReply(busy.evalMode ? BUSY_EVAL : BUSY_FUNCTION);
    void server.shutdown('SHUTDOWN command');
    return NO_REPLY;
  },
);
def(
  {
    name: 'debug',
    arity: -2,
    flags: 'admin noscript loading stale',
    group: S,
    summary: 'A container for debugging commands.',
    since: '1.0.0',
  },
  (server, client, argv) => {
    const mode = server.config.str('enable-debug-command');
    const local = /^(127\.|::1$|::ffff:127\.)/.test(client.socket.remoteAddress ?? '');
    if (mode === 'no' || (mode === 'local' && !local)) {
      throw new SeshatError(
        'ERR',
        'DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
      );
    }
    if (argIs(argv[1]!, 'sleep') && argv.length === 3) {
      const seconds = Number(argv[2]!.toString());
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new SeshatError('ERR', 'value is not a valid float');
      // Like Redis, DEBUG SLEEP blocks the whole server.
      if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
      return OK;
    }
    if (argIs(argv[1]!, 'clock-offset') && argv.length === 3) {
      // Test-only clock skew (chaos harness): shifts this node's wall clock, which stamps
      // log entries and decides expiry; Raft timing uses the monotonic clock and is unaffected.
      const ms = Number(argv[2]!.toString());
      if (!Number.isSafeInteger(ms)) throw new SeshatError('ERR', 'value is not an integer or out of range');
      server.setClockOffsetMs(ms);
      return OK;
    }
    if (argIs(argv[1]!, 'help'))
      return [
        new SimpleString('DEBUG <subcommand> [<arg> ...]. Subcommands are:'),
        new SimpleString('SLEEP <seconds>'),
        new SimpleString('    Stop the server for <seconds>. Decimals allowed.'),
        new SimpleString('CLOCK-OFFSET <milliseconds>'),
        new SimpleString("    Shift this node's wall clock by <milliseconds> (testing clock skew)."),
      ];
    throw new SeshatError(
      'ERR',
      `Unknown subcommand or wrong number of arguments for '${argv[1]!.toString('latin1')}'. Try DEBUG HELP.`,
    );
  },
);

// ---- CONFIG -----------------------------------------------------------------------------

def(
  {
    name: 'config',
    arity: -2,
    flags: '',
    group: S,
    summary: 'A container for server configuration commands.',
    since: '2.0.0',
    complexity: 'Depends on subcommand.',
  },
  null,
);
sub(
  'config',
  {
    name: 'get',
    arity: -3,
    flags: 'admin noscript loading stale',
    group: S,
    summary: 'Returns the effective values of configuration parameters.',
    since: '2.0.0',
  },
  (server, _c, argv) => {
    const args = argv.slice(2).map((a) => a.toString('latin1'));
    const match = (pattern: string, name: string) =>
      globMatch(Buffer.from(pattern, 'latin1'), Buffer.from(name, 'latin1'), true);
    return new MapReply(server.config.matching(args, match).flat());
  },
);
sub(
  'config',
  {
    name: 'set',
    arity: -4,
    flags: 'admin noscript loading stale',
    group: S,
    summary: 'Sets configuration parameters in-flight.',
    since: '2.0.0',
  },
  (server, _c, argv) => {
    // Pairs of name and value; Redis answers a lone trailing name with its syntax error.
    if (argv.length % 2 !== 0) throw new SeshatError('ERR', 'syntax error');
    const pairs: [string, string][] = [];
    for (let j = 2; j < argv.length; j += 2)
      pairs.push([argv[j]!.toString('latin1'), argv[j + 1]!.toString()]);
    const failure = server.config.setMany(pairs);
    if (failure === null) return OK;
    if (failure.reason === null)
      throw new SeshatError('ERR', `Unknown option or number of arguments for CONFIG SET - '${failure.arg}'`);
    throw new SeshatError(
      'ERR',
      `CONFIG SET failed (possibly related to argument '${failure.arg}') - ${failure.reason}`,
    );
  },
);
sub(
  'config',
  {
    name: 'resetstat',
    arity: 2,
    flags: 'admin noscript loading stale',
    group: S,
    summary: "Resets the server's statistics.",
    since: '2.0.0',
  },
  (server) => {
    server.resetStats();
    return OK;
  },
);
sub(
  'config',
  {
    name: 'rewrite',
    arity: 2,
    flags: 'admin noscript loading stale',
    group: S,
    summary: 'Persists the effective configuration to file.',
    since: '2.8.0',
  },
  () => {
    throw new SeshatError('ERR', 'The server is running without a config file');
  },
);
sub(
  'config',
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    group: S,
    summary: 'Returns helpful text about the different subcommands.',
    since: '5.0.0',
  },
  () =>
    [
      'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'GET <pattern>',
      '    Return parameters matching the glob-like <pattern> and their values.',
      'SET <directive> <value>',
      '    Set the configuration <directive> to <value>.',
      'RESETSTAT',
      '    Reset statistics reported by the INFO command.',
      'REWRITE',
      '    Rewrite the configuration file.',
      'HELP',
      '    Print this help.',
    ].map((l) => new SimpleString(l)),
);

export { BoolReply };

/** Registration helpers shared with command-introspection.ts. */
export { def, sub };
