/**
 * Client-side caching support (Redis's tracking.c): CLIENT TRACKING's state per client, the
 * table of keys each tracking client has read, BCAST prefixes, and the invalidation messages.
 *
 * Where the changes come from: only applied writes. The state machine reports, after each
 * applied entry (KvStateMachine.onTracking, through the driver's reportTouched), the keys the
 * entry changed, which entry command changed each, whether it flushed, and which commands were
 * scripts that ran a read-only command. A cluster follower applies the leader's entries the
 * same way, so its tracking clients hear about writes made through the leader; expiry and
 * every other write path reach clients by the same road.
 *
 * Who changed a key (NOLOOP, and the rule that a client's own invalidation follows its reply):
 * the server submits writes through `attribute`'s proposer, which remembers the client of each
 * submitted command by its argv array (the standalone write path hands the state machine the
 * very same arrays) and by its write tag (cluster mode: the tag travels in the entry, also to
 * followers). A command nobody can be found for (the active expiry cycle, a write forwarded by
 * another node) changes keys "outside a client", as Redis's expiry does: everyone hears.
 *
 * Keys are tracked by name across databases, as in Redis. Table ids of clients that turned
 * tracking off stay until the key is invalidated (Redis cleans them lazily too).
 */
import {
  commandKeys,
  type CommandSpec,
  decodeEntry,
  type EntryCommand,
  INTERNAL_EXEC,
  INTERNAL_EXPIRE,
  metaKeyUserKey,
  resolveCommand,
  type TrackingReport,
} from '@seshat/kv';
import { ErrorReply, type Reply } from '@seshat/common';
import type { WriteIdentity } from '@seshat/cluster';
import { Client } from './client.js';
import { Parked } from './blocking.js';
import type { Proposer, WriteWaiter } from './write-path.js';

/** Pub/Sub channel of invalidations sent to a RESP2 redirect client. */
const INVALIDATE_CHANNEL = Buffer.from('__redis__:invalidate');
const INVALIDATE = Buffer.from('invalidate');
const REDIR_BROKEN = Buffer.from('tracking-redir-broken');
/** Cluster mode: write tags remembered for attribution before the map is dropped (a tag whose
 * write never applied here would otherwise stay forever). */
const ATTRIBUTED_TAGS_MAX = 65536;

export interface TrackingState {
  on: boolean;
  /** Client id invalidations go to (0: this connection). */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING given; `cachingArmed`: a command other than CLIENT ran since (see beforeCommand). */
  caching: boolean;
  cachingArmed: boolean;
  brokenRedirect: boolean;
  /** BCAST prefixes (latin1). */
  prefixes: Set<string>;
}

export interface TrackingOptions {
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  prefixes: Buffer[];
}

/** The client that sent a command, and whether CLIENT CACHING applied to it. */
interface Writer {
  client: Client;
  caching: boolean;
}

interface Broadcast {
  clients: Set<Client>;
  /** Keys changed since the last message, with the client that changed each last (NOLOOP). */
  keys: Map<string, Client | null>;
}

export class Tracking {
  /** Key (latin1) -> ids of clients that may cache it. */
  private readonly table = new Map<string, Set<number>>();
  private items = 0;
  private readonly prefixTable = new Map<string, Broadcast>();
  /** Clients with tracking on. */
  private readonly tracking = new Set<Client>();
  private readonly byArgv = new WeakMap<Buffer[], Writer>();
  private byTag = new Map<number, Writer>();

  /** `setReporting` turns the state machine's reports on while anything is tracked (a client,
   * or table entries a flush must still clear). */
  constructor(
    private readonly clientById: (id: number) => Client | undefined,
    private readonly setReporting: (on: boolean) => void,
  ) {}

  private reporting = false;

  /** Reports are needed while a client tracks or the tables hold anything. */
  private refresh(): void {
    const needed = this.tracking.size > 0 || this.table.size > 0 || this.prefixTable.size > 0;
    if (needed !== this.reporting) {
      this.reporting = needed;
      this.setReporting(needed);
    }
  }

  /** Whether any client tracks (everything else is skipped while none does). */
  get active(): boolean {
    return this.tracking.size > 0;
  }
  get clients(): number {
    return this.tracking.size;
  }
  get totalKeys(): number {
    return this.table.size;
  }
  get totalItems(): number {
    return this.items;
  }
  get totalPrefixes(): number {
    return this.prefixTable.size;
  }

  // ---- enabling ---------------------------------------------------------------------------

  /** Redis's enableTracking: options were validated by the command. */
  enable(c: Client, o: TrackingOptions): void {
    const st = (c.tracking ??= newState());
    this.tracking.add(c);
    st.on = true;
    st.brokenRedirect = false;
    st.redirect = o.redirect;
    st.optin = o.optin;
    st.optout = o.optout;
    st.noloop = o.noloop;
    st.bcast = o.bcast;
    if (!o.bcast) {
      this.refresh();
      return;
    }
    const prefixes = o.prefixes.length === 0 ? [''] : o.prefixes.map((p) => p.toString('latin1'));
    for (const p of prefixes) {
      let b = this.prefixTable.get(p);
      if (b === undefined) {
        b = { clients: new Set(), keys: new Map() };
        this.prefixTable.set(p, b);
      }
      b.clients.add(c);
      st.prefixes.add(p);
    }
    this.refresh();
  }

  /** Redis's disableTracking (also on close and RESET). */
  disable(c: Client): void {
    const st = c.tracking;
    if (st === null || !st.on) return;
    for (const p of st.prefixes) {
      const b = this.prefixTable.get(p);
      if (b === undefined) continue;
      b.clients.delete(c);
      if (b.clients.size === 0) this.prefixTable.delete(p);
    }
    c.tracking = newState();
    this.tracking.delete(c);
    this.refresh();
  }

  /** Redis's checkPrefixCollisionsOrReply: the error text, or null. */
  prefixCollision(c: Client, prefixes: Buffer[]): string | null {
    const overlap = (a: Buffer, b: Buffer) => a.subarray(0, b.length).equals(b.subarray(0, a.length));
    const tail = 'Prefixes for a single client must not overlap.';
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      for (const existing of c.tracking?.prefixes ?? []) {
        const e = Buffer.from(existing, 'latin1');
        if (overlap(e, p))
          return `Prefix '${p.toString('latin1')}' overlaps with an existing prefix '${existing}'. ${tail}`;
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlap(p, prefixes[j]!))
          return `Prefix '${p.toString('latin1')}' overlaps with another provided prefix '${prefixes[j]!.toString('latin1')}'. ${tail}`;
      }
    }
    return null;
  }

  /** Runs before each command of a tracking client: CLIENT CACHING lasts for the command after
   * it (and a whole MULTI ... EXEC), as Redis clears it after any command but CLIENT. */
  beforeCommand(c: Client, spec: CommandSpec): void {
    const st = c.tracking;
    if (st === null || !st.caching || spec.name.startsWith('client|')) return;
    if (st.cachingArmed && c.multi === null) st.caching = false;
    else st.cachingArmed = true;
  }

  /** Whether CLIENT CACHING still applies (what TRACKINGINFO shows). */
  static cachingShown(c: Client): boolean {
    const st = c.tracking;
    return st !== null && st.caching && !(st.cachingArmed && c.multi === null);
  }

  // ---- remembering reads ------------------------------------------------------------------

  /** After a read-only command of `c` (Redis's trackingRememberKeys): its keys are remembered. */
  rememberRead(c: Client, spec: CommandSpec, argv: Buffer[], caching = c.tracking?.caching ?? false): void {
    const st = c.tracking;
    if (st === null || !st.on || st.bcast) return;
    if ((st.optin && !caching) || (st.optout && caching)) return;
    if (!spec.flags.includes('readonly') || spec.flags.includes('pubsub')) return;
    for (const key of commandKeys(spec, argv)) this.rememberKey(c, key);
  }

  private rememberKey(c: Client, key: Buffer): void {
    const k = key.toString('latin1');
    let ids = this.table.get(k);
    if (ids === undefined) {
      ids = new Set();
      this.table.set(k, ids);
    }
    if (!ids.has(c.id)) {
      ids.add(c.id);
      this.items++;
    }
  }

  // ---- attribution ------------------------------------------------------------------------

  /** A proposer that remembers which client sent each write (see the file comment). */
  attribute(inner: Proposer): Proposer {
    return {
      submit: (waiter, db, argv, writeId) => {
        if (this.tracking.size > 0 && waiter !== null) this.noteWriter(waiter, argv, writeId);
        inner.submit(waiter, db, argv, writeId);
      },
      flush: () => inner.flush(),
      unappliedCommands: () => inner.unappliedCommands(),
      get pending() {
        return inner.pending;
      },
    };
  }

  private noteWriter(waiter: WriteWaiter, argv: Buffer[], writeId: WriteIdentity | undefined): void {
    const client =
      waiter instanceof Client
        ? waiter
        : waiter instanceof Parked
          ? waiter.client
          : ((waiter as { client?: unknown }).client as Client | undefined);
    if (!(client instanceof Client)) return;
    const w: Writer = { client, caching: client.tracking?.caching ?? false };
    this.byArgv.set(argv, w);
    if (writeId !== undefined && writeId.tag !== 0) {
      if (this.byTag.size >= ATTRIBUTED_TAGS_MAX) this.byTag = new Map();
      this.byTag.set(writeId.tag, w);
    }
  }

  private writerOf(cmd: EntryCommand): Writer | null {
    const w = this.byArgv.get(cmd.argv) ?? (cmd.tag ? this.byTag.get(cmd.tag) : undefined);
    if (w !== undefined && cmd.tag) this.byTag.delete(cmd.tag);
    return w ?? null;
  }

  // ---- invalidation -----------------------------------------------------------------------

  /** An applied entry's changes (KvStateMachine.onTracking). */
  onApplied(r: TrackingReport): void {
    const writers = r.commands.map((cmd) =>
      cmd.argv[0]!.equals(INTERNAL_EXPIRE) ? null : this.writerOf(cmd),
    );
    if (r.flushed) {
      this.invalidateAll(writers);
      return;
    }
    let nextRead = 0;
    for (let i = 0; i < r.keys.length; i++) {
      const by = r.by[i]!;
      // A script's reads remember its keys before the changes it (or a later command) made.
      for (; nextRead < r.scriptReads.length && r.scriptReads[nextRead]! <= by; nextRead++)
        this.rememberScript(r.commands[r.scriptReads[nextRead]!]!, writers[r.scriptReads[nextRead]!]!);
      this.invalidateKey(metaKeyUserKey(r.keys[i]!), writers[by]?.client ?? null, true);
    }
    for (; nextRead < r.scriptReads.length; nextRead++)
      this.rememberScript(r.commands[r.scriptReads[nextRead]!]!, writers[r.scriptReads[nextRead]!]!);
    this.rememberTransactionReads(r.commands, writers);
    this.broadcast();
    this.refresh();
  }

  /** A script (EVAL, FCALL ...; in a transaction: each of them) ran a read-only command: its
   * declared keys are remembered for its caller. */
  private rememberScript(cmd: EntryCommand, w: Writer | null): void {
    if (w === null) return;
    const cmds = isExec(cmd) ? decodeEntry(cmd.argv[1]!).commands : [cmd];
    for (const inner of cmds) {
      const spec = resolveCommand(inner.argv);
      if (!(spec instanceof ErrorReply) && SCRIPT_COMMANDS.has(spec.name))
        this.rememberScriptKeys(w, spec, inner.argv);
    }
  }

  /** Like rememberRead for a script command (which is not itself a read to remember). */
  private rememberScriptKeys(w: Writer, spec: CommandSpec, argv: Buffer[]): void {
    const st = w.client.tracking;
    if (st === null || !st.on || st.bcast) return;
    if ((st.optin && !w.caching) || (st.optout && w.caching)) return;
    for (const key of commandKeys(spec, argv)) this.rememberKey(w.client, key);
  }

  /** The read-only commands of a MULTI ... EXEC remember their keys (once it applied). */
  private rememberTransactionReads(commands: readonly EntryCommand[], writers: (Writer | null)[]): void {
    for (let i = 0; i < commands.length; i++) {
      const w = writers[i];
      if (w == null || !isExec(commands[i]!)) continue;
      for (const inner of decodeEntry(commands[i]!.argv[1]!).commands) {
        const spec = resolveCommand(inner.argv);
        if (spec instanceof ErrorReply || !spec.flags.includes('readonly') || SCRIPT_COMMANDS.has(spec.name))
          continue;
        this.rememberRead(w.client, spec, inner.argv, w.caching);
      }
    }
  }

  /**
   * Redis's trackingInvalidateKey: every client that may cache `key` hears, the key leaves the
   * table; with `bcast` the key is also queued for BCAST clients of matching prefixes.
   */
  invalidateKey(key: Buffer, writer: Client | null, bcast: boolean): void {
    const k = key.toString('latin1');
    if (bcast && this.prefixTable.size > 0) {
      for (const [p, b] of this.prefixTable) if (k.startsWith(p)) b.keys.set(k, writer);
    }
    const ids = this.table.get(k);
    if (ids === undefined) return;
    for (const id of ids) {
      const target = this.clientById(id);
      const st = target?.tracking;
      if (target === undefined || !st?.on || st.bcast) continue;
      if (st.noloop && target === writer) continue;
      this.send(target, [Buffer.from(key)], target === writer);
    }
    this.items -= ids.size;
    this.table.delete(k);
  }

  /** Redis's trackingInvalidateKeysOnFlush: a null invalidation to every tracking client, and
   * the table is emptied. */
  private invalidateAll(writers: (Writer | null)[]): void {
    const self = new Set<Client>();
    for (const w of writers) if (w !== null) self.add(w.client);
    for (const p of this.prefixTable.values()) p.keys.clear();
    this.table.clear();
    this.items = 0;
    for (const c of this.tracking) this.send(c, null, self.has(c));
    this.refresh();
  }

  /** Sends the keys queued for each prefix (Redis does it before sleeping; here per entry). */
  private broadcast(): void {
    for (const b of this.prefixTable.values()) {
      if (b.keys.size === 0) continue;
      const sorted = [...b.keys.keys()].sort(compareLatin1);
      for (const c of b.clients) {
        const keys = c.tracking!.noloop ? sorted.filter((k) => b.keys.get(k) !== c) : sorted;
        if (keys.length === 0) continue;
        const self = sorted.some((k) => b.keys.get(k) === c);
        this.send(
          c,
          keys.map((k) => Buffer.from(k, 'latin1')),
          self,
        );
      }
      b.keys.clear();
    }
  }

  /**
   * Redis's sendTrackingMessage: to the redirect client (a RESP3 push, or a Pub/Sub message on
   * __redis__:invalidate to a RESP2 subscriber), else to the client itself in RESP3 (RESP2 has
   * no push). `self`: the client's own command caused it, so it follows that reply.
   */
  private send(c: Client, keys: Buffer[] | null, self: boolean): void {
    const st = c.tracking!;
    if (st.redirect !== 0) {
      const redir = this.clientById(st.redirect);
      if (redir === undefined || redir.closed) {
        st.brokenRedirect = true;
        if (c.resp === 3) deliver(c, [REDIR_BROKEN, st.redirect], self);
        return;
      }
      if (redir.resp === 3) redir.push([INVALIDATE, keys]);
      else if (redir.subscriptionCount() > 0) redir.push([MESSAGE, INVALIDATE_CHANNEL, keys]);
      return;
    }
    if (c.resp === 3) deliver(c, [INVALIDATE, keys], self);
  }

  /** Redis's trackingLimitUsedSlots: while the table holds more keys than `maxKeys` (0: no
   * limit), the oldest remembered keys are dropped and their clients told, as if changed. */
  limit(maxKeys: number): void {
    if (maxKeys <= 0) return;
    while (this.table.size > maxKeys) {
      const oldest = this.table.keys().next().value as string;
      this.invalidateKey(Buffer.from(oldest, 'latin1'), null, false);
    }
  }
}

const MESSAGE = Buffer.from('message');

function deliver(c: Client, items: Reply[], self: boolean): void {
  if (self) c.pushAfterReplies(items);
  else c.push(items);
}

function newState(): TrackingState {
  return {
    on: false,
    redirect: 0,
    bcast: false,
    optin: false,
    optout: false,
    noloop: false,
    caching: false,
    cachingArmed: false,
    brokenRedirect: false,
    prefixes: new Set(),
  };
}

function isExec(cmd: EntryCommand): boolean {
  return cmd.argv[0]!.equals(INTERNAL_EXEC);
}

/** Scripts: read-only ones are not remembered as reads; their keys are, once they read. */
export const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

function compareLatin1(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}
