/**
 * `seshat cluster <status | init | add | promote | remove | transfer-leader | snapshot |
 * create-group | destroy-group> [--host H]
 * [--port P] [--grpc HOST:RAFTPORT [--group N]] [-a PASSWORD]`: sends the matching RAFT command to a running
 * node over RESP (a minimal client on node:net), or with --grpc calls the matching rpc of the
 * node's gRPC AdminService on its Raft port (proto/node.proto; same actions and error texts),
 * and prints the reply readably (the same output either way). Exit code 0 on success, 1 on an
 * error reply or a connection failure, 2 on bad usage. A -MOVED reply (the action needs the
 * leader) is printed with a hint.
 */
import net from 'node:net';
import { AdminCaller, type AdminRaftStatus } from '@seshat/cluster';
import { raftStatusPairs } from './raft-status-fields.js';

const OPTIONS = '[--host H] [--port P | --grpc HOST:RAFTPORT [--group N]] [-a PASSWORD]';

export const CLUSTER_USAGE = [
  `Usage: seshat cluster status ${OPTIONS}`,
  `       seshat cluster init ${OPTIONS}`,
  `       seshat cluster add <node-id> <raft-host:port> <client-host:port> ${OPTIONS}`,
  `       seshat cluster promote <node-id> ${OPTIONS}`,
  `       seshat cluster remove <node-id> ${OPTIONS}`,
  `       seshat cluster transfer-leader <node-id> ${OPTIONS}`,
  `       seshat cluster snapshot ${OPTIONS}`,
  `       seshat cluster create-group <group-id> <first-last>[,...] <node-id>... ${OPTIONS}`,
  `       seshat cluster destroy-group <group-id> ${OPTIONS}`,
  '',
  'Sends RAFT STATUS / INIT / ADD-LEARNER / PROMOTE / REMOVE / TRANSFER-LEADER / SNAPSHOT /',
  'CREATE-GROUP / DESTROY-GROUP to',
  'the node at H:P (default 127.0.0.1:6379) and prints the reply. Exit code 0 on success, 1 on',
  'error. With --grpc HOST:RAFTPORT the same action goes to the gRPC AdminService on the',
  "node's Raft port instead (--group: the Raft group, default 0). -a (or --pass): the node's",
  'requirepass, sent with AUTH over RESP or presented to the Raft port over gRPC.',
  '',
  'A new cluster: start the first node with --node-id and no --initial-members (it waits),',
  'then `init` makes it a one-voter cluster. Adding a node: start it with --node-id <new id>',
  '--join <any member host:port>; it adds itself as a learner (the same as `add` and then',
  'starting it with --join yes --initial-members <members>). Once it has caught up (see',
  '`status`), `promote` makes it a voter. Node ids are never reused.',
].join('\n');

/** A decoded RESP value (RESP2 and the RESP3 types a RESP2 connection can see). */
export type Resp = string | number | null | Resp[] | { error: string };

/** Decodes one value at `off`; undefined when the buffer is incomplete. */
function decode(buf: Buffer, off: number): [Resp, number] | undefined {
  const eol = buf.indexOf('\r\n', off);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[off]!);
  const line = buf.toString('utf8', off + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [{ error: line }, next];
    case ':':
      return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return undefined;
      return [buf.toString('utf8', next, next + n), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: Resp[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const d = decode(buf, p);
        if (d === undefined) return undefined;
        out.push(d[0]);
        p = d[1];
      }
      return [out, p];
    }
    default:
      throw new Error(`unexpected reply type '${type}'`);
  }
}

/** The commands as RESP multibulk requests, back to back. */
function encode(...commands: string[][]): Buffer {
  let s = '';
  for (const argv of commands) {
    s += `*${argv.length}\r\n`;
    for (const a of argv) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  }
  return Buffer.from(s);
}

/**
 * Sends `argv` on a new connection and resolves with its reply. With `password` (not empty)
 * AUTH goes first, pipelined; its own reply is skipped (a wrong password shows as the
 * command's NOAUTH error, and a node without requirepass ignores it).
 */
export function sendCommand(
  host: string,
  port: number,
  argv: string[],
  timeoutMs = 5000,
  password = '',
): Promise<Resp> {
  const auth = password !== '';
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no reply from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (f: () => void) => {
      clearTimeout(timer);
      sock.destroy();
      f();
    };
    sock.on('connect', () => sock.write(auth ? encode(['AUTH', password], argv) : encode(argv)));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      try {
        const first = decode(buf, 0);
        const r = auth && first !== undefined ? decode(buf, first[1]) : first;
        if (r !== undefined) done(() => resolve(r[0]));
      } catch (e) {
        done(() => reject(e));
      }
    });
    sock.on('error', (e) => done(() => reject(e)));
    sock.on('close', () => done(() => reject(new Error(`connection to ${host}:${port} closed`))));
  });
}

/** Renders a reply: flat [k, v, ...] arrays whose keys are strings print as `key: value`. */
export function render(v: Resp, indent = ''): string {
  if (v === null) return `${indent}(nil)`;
  if (typeof v === 'string' || typeof v === 'number') return `${indent}${v}`;
  if (!Array.isArray(v)) return `${indent}(error) ${v.error}`;
  if (v.length === 0) return `${indent}(empty)`;
  const isMap = v.length % 2 === 0 && v.every((x, i) => i % 2 === 1 || typeof x === 'string');
  const scalar = (x: Resp) => x === null || typeof x !== 'object';
  if (isMap) {
    const lines: string[] = [];
    for (let i = 0; i < v.length; i += 2) {
      const val = v[i + 1]!;
      if (scalar(val)) lines.push(`${indent}${v[i]}: ${render(val)}`);
      else if (Array.isArray(val) && val.every(scalar)) lines.push(`${indent}${v[i]}: ${val.join(',')}`);
      else lines.push(`${indent}${v[i]}:`, render(val, `${indent}  `));
    }
    return lines.join('\n');
  }
  return v.map((x) => (scalar(x) ? `${indent}- ${render(x)}` : render(x, `${indent}- `))).join('\n');
}

/** Options that take a value. */
const VALUE_OPTIONS = new Set(['--host', '--port', '--grpc', '--group', '-a', '--pass']);
const NODE_ID = /^[1-9]\d*$/;
const ADDRESS = /^\S+:\d{1,5}$/;
const SLOTS = /^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/;
/** Verb → arity and a check of its parameters (`more`: any number of further ones like the last). */
const ACTIONS: Record<string, { params: RegExp[]; raft: string[]; more?: boolean }> = {
  status: { params: [], raft: ['STATUS'] },
  snapshot: { params: [], raft: ['SNAPSHOT'] },
  init: { params: [], raft: ['INIT'] },
  'transfer-leader': { params: [NODE_ID], raft: ['TRANSFER-LEADER'] },
  add: { params: [NODE_ID, ADDRESS, ADDRESS], raft: ['ADD-LEARNER'] },
  promote: { params: [NODE_ID], raft: ['PROMOTE'] },
  remove: { params: [NODE_ID], raft: ['REMOVE'] },
  'create-group': { params: [NODE_ID, SLOTS, NODE_ID], raft: ['CREATE-GROUP'], more: true },
  'destroy-group': { params: [NODE_ID], raft: ['DESTROY-GROUP'] },
};

/** The RAFT command for a CLI action, or undefined for bad usage. */
function raftCommand(action: string | undefined, params: string[]): string[] | undefined {
  const a = action === undefined ? undefined : ACTIONS[action];
  if (a === undefined || !Object.hasOwn(ACTIONS, action!)) return undefined;
  if (a.more === true ? params.length < a.params.length : a.params.length !== params.length) return undefined;
  const check = (i: number) => a.params[Math.min(i, a.params.length - 1)]!;
  if (!params.every((p, i) => check(i).test(p))) return undefined;
  return ['RAFT', ...a.raft, ...params];
}

/** RAFT STATUS's reply shape (a flat key/value array) from the gRPC StatusResponse, so
 * `render` prints the same lines either way. */
function statusResp(s: AdminRaftStatus): Resp {
  return raftStatusPairs(s, (pairs): Resp => pairs);
}

/** One action through the gRPC AdminService; the reply in the RESP command's shape. */
async function callGrpc(address: string, groupId: number, argv: string[], password: string): Promise<Resp> {
  const admin = new AdminCaller(address, undefined, password === '' ? undefined : password);
  const [, verb, ...p] = argv;
  const nodeId = Number(p[0] ?? 0);
  const fail = (r: { ok: boolean; error: string }): Resp | undefined =>
    r.ok ? undefined : { error: r.error };
  try {
    switch (verb) {
      case 'STATUS': {
        const r = await admin.status({ groupId });
        return fail(r) ?? statusResp(r.status!);
      }
      case 'SNAPSHOT': {
        const r = await admin.snapshot({ groupId });
        return fail(r) ?? r.index;
      }
      case 'INIT':
        return fail(await admin.init({ groupId })) ?? 'OK';
      case 'TRANSFER-LEADER':
        return fail(await admin.transferLeader({ groupId, nodeId })) ?? 'OK';
      case 'ADD-LEARNER': {
        const req = { groupId, nodeId, raftAddress: p[1]!, clientAddress: p[2]! };
        return fail(await admin.addLearner(req)) ?? 'OK';
      }
      case 'PROMOTE':
        return fail(await admin.promote({ groupId, nodeId })) ?? 'OK';
      case 'CREATE-GROUP': {
        const members = p.slice(2).map(Number);
        const req = { groupId: nodeId, slots: p[1]!, members, local: false, loanIndex: 0 };
        return fail(await admin.createGroup(req)) ?? 'OK';
      }
      case 'DESTROY-GROUP':
        return fail(await admin.destroyGroup({ groupId: nodeId, local: false })) ?? 'OK';
      default:
        return fail(await admin.remove({ groupId, nodeId })) ?? 'OK';
    }
  } finally {
    admin.close();
  }
}

/** Runs `seshat cluster ...` (args after `cluster`); resolves with the exit code. */
export async function runClusterCli(
  args: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  let host = '127.0.0.1';
  let port = 6379;
  let grpc: string | null = null;
  let group = 0;
  let password = '';
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      out(`${CLUSTER_USAGE}\n`);
      return 0;
    }
    if (VALUE_OPTIONS.has(a)) {
      const v = args[++i];
      if (v === undefined) {
        err(`seshat cluster: ${a} needs a value\n`);
        return 2;
      }
      if (a === '--host') host = v;
      else if (a === '-a' || a === '--pass') password = v;
      else if (a === '--grpc') {
        if (!ADDRESS.test(v)) {
          err(`seshat cluster: --grpc needs host:port, got '${v}'\n`);
          return 2;
        }
        grpc = v;
      } else if (a === '--group') {
        group = Number(v);
        if (!Number.isInteger(group) || group < 0 || group > 0xffffffff) {
          err(`seshat cluster: bad group id '${v}'\n`);
          return 2;
        }
      } else {
        port = Number(v);
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
          err(`seshat cluster: bad port '${v}'\n`);
          return 2;
        }
      }
      continue;
    }
    rest.push(a);
  }
  const [action, ...params] = rest;
  const argv = raftCommand(action, params);
  if (argv === undefined) {
    err(`${CLUSTER_USAGE}\n`);
    return 2;
  }
  const target = grpc ?? `${host}:${port}`;
  let reply: Resp;
  try {
    reply =
      grpc === null
        ? await sendCommand(host, port, argv, undefined, password)
        : await callGrpc(grpc, group, argv, password);
  } catch (e) {
    err(`seshat cluster: ${target}: ${(e as Error).message}\n`);
    return 1;
  }
  if (reply !== null && typeof reply === 'object' && !Array.isArray(reply)) {
    const moved = /^MOVED \d+ (\S+)$/.exec(reply.error);
    // MOVED names the leader's client address; over gRPC its Raft address is in `status`.
    const retry =
      grpc === null
        ? 'retry with its --host/--port'
        : 'its client address; see `status` for its raft address';
    err(
      moved
        ? `seshat cluster: this node is not the leader; the leader is ${moved[1]} (${retry})\n`
        : `seshat cluster: ${reply.error}\n`,
    );
    return 1;
  }
  if (action === 'snapshot') out(`snapshot at index ${render(reply)}\n`);
  else if (action === 'init')
    out(
      grpc === null
        ? `OK: ${host}:${port} is a new one-voter cluster; add nodes with --join ${host}:${port}\n`
        : `OK: ${grpc} is a new one-voter cluster; add nodes with --join <its client host:port>\n`,
    );
  else if (action === 'add')
    out(
      `OK: node ${params[0]} is a learner; start it with --join yes, then \`seshat cluster promote ${params[0]}\`\n`,
    );
  else out(`${render(reply)}\n`);
  return 0;
}
