/**
 * One client connection: reads frames, runs the startup / authentication / query state
 * machine one message at a time (a message's backend call is awaited before the next message
 * is looked at), and writes the replies of a turn in one socket write. Protocol errors are
 * answered with PostgreSQL's ErrorResponse; FATAL ones close the connection, others let it go
 * on (after skipping to Sync in the extended protocol). Nothing a client sends can throw out
 * of here: unexpected failures close this connection only.
 */
import crypto from 'node:crypto';
import type net from 'node:net';
import type { Backend, RoleInfo, Session, SimpleQueryError, StatementResult } from './backend.js';
import { Authenticator } from './auth/authenticator.js';
import { type AuthMethod, chooseAuthMethod } from './auth/rules.js';
import {
  AUTHENTICATION_TIMEOUT_MS,
  Fe,
  INPUT_PAUSE_BYTES,
  OUTPUT_FLUSH_BYTES,
  PROTOCOL_VERSION_3,
} from './constants.js';
import { CopyIn } from './copy-in.js';
import { MessageCursor } from './cursor.js';
import { protocolViolation, SqlError, type SqlErrorFields, SQLSTATE, toErrorFields } from './errors.js';
import { ExtendedQuery } from './extended.js';
import { startupParameters } from './parameters.js';
import { type Frame, FrameReader } from './reader.js';
import { writeSimpleResult } from './results.js';
import { parseStartupPacket } from './startup.js';
import { BackendWriter } from './writer.js';
import type { ServerContext } from './server-context.js';

type State = 'startup' | 'auth' | 'ready' | 'copy-in' | 'closed';

const SSL_REFUSED = Buffer.from('N');

export class PgConnection {
  readonly processId: number;
  readonly secretKey: number;
  private state: State = 'startup';
  private readonly reader: FrameReader;
  private readonly w = new BackendWriter();
  private readonly cursor = new MessageCursor();
  private running = false;
  private user = '';
  private auth: Authenticator | null = null;
  private pendingStart: {
    user: string;
    database: string;
    parameters: Record<string, string>;
    role: RoleInfo | null;
  } | null = null;
  private session: Session | null = null;
  private extended: ExtendedQuery | null = null;
  private copyIn: CopyIn | null = null;
  private skipToSync = false;
  private authTimer: NodeJS.Timeout | null;

  constructor(
    private readonly socket: net.Socket,
    private readonly ctx: ServerContext,
  ) {
    this.processId = ctx.nextProcessId();
    this.secretKey = crypto.randomBytes(4).readInt32BE(0);
    this.reader = new FrameReader(ctx.options.largeMessageMaxBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.teardown());
    socket.on('close', () => this.teardown());
    socket.on('drain', () => this.maybeResume());
    // As PostgreSQL on authentication_timeout: closed without a reply.
    this.authTimer = setTimeout(() => this.close(), AUTHENTICATION_TIMEOUT_MS);
    this.authTimer.unref();
  }

  /** A CancelRequest matched this connection. */
  cancel(): void {
    this.session?.cancel?.();
  }

  private get backend(): Backend {
    return this.ctx.backend;
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.reader.push(chunk);
    if (this.reader.bufferedBytes() > INPUT_PAUSE_BYTES) this.socket.pause();
    if (!this.running) void this.pump();
  }

  private maybeResume(): void {
    if (
      this.state !== 'closed' &&
      this.reader.bufferedBytes() <= INPUT_PAUSE_BYTES &&
      this.socket.writableLength === 0
    ) {
      this.socket.resume();
    }
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.state !== 'closed') {
        let frame: Frame | null;
        try {
          frame = this.reader.next();
        } catch (e) {
          this.fatal(toErrorFields(e));
          break;
        }
        if (frame === null) break;
        const pending = this.handle(frame);
        if (pending !== undefined) await pending;
        if (this.w.size() >= OUTPUT_FLUSH_BYTES) this.flush();
      }
    } catch (e) {
      this.ctx.onInternalError(e);
      this.fatal({ severity: 'FATAL', code: SQLSTATE.INTERNAL_ERROR, message: 'internal error' });
    } finally {
      this.running = false;
      this.flush();
      this.maybeResume();
    }
  }

  /** Dispatches one frame; returns a promise when the handling is asynchronous. */
  private handle(frame: Frame): Promise<void> | undefined {
    switch (this.state) {
      case 'startup':
        return this.onStartup(frame.body);
      case 'auth':
        return this.onAuth(frame);
      case 'copy-in':
        return this.onCopyMessage(frame);
      case 'ready':
        return this.onReadyMessage(frame);
      default:
        return undefined;
    }
  }

  // ---- startup and authentication ----

  private onStartup(body: Buffer): Promise<void> | undefined {
    let packet: ReturnType<typeof parseStartupPacket>;
    try {
      packet = parseStartupPacket(body);
    } catch (e) {
      this.fatal(toErrorFields(e));
      return undefined;
    }
    switch (packet.kind) {
      case 'ssl':
      case 'gssenc':
        this.w.raw(SSL_REFUSED);
        // PostgreSQL (CVE-2021-23222): bytes sent before the answer could have been injected
        // by a man in the middle, so they end the connection.
        if (this.reader.bufferedBytes() > 0) this.fatal(unencryptedAfter(packet.kind));
        return undefined;
      case 'cancel':
        this.ctx.cancel(packet.processId, packet.secretKey);
        this.close();
        return undefined;
      default:
        this.reader.startupPhase = false;
        this.state = 'auth';
        if (packet.minorVersion > 0 || packet.unrecognizedOptions.length > 0) {
          this.w.negotiateProtocolVersion(PROTOCOL_VERSION_3 & 0xffff, packet.unrecognizedOptions);
        }
        return this.beginAuth(packet.parameters);
    }
  }

  private async beginAuth(parameters: Record<string, string>): Promise<void> {
    const user = parameters.user!;
    const database = parameters.database || user;
    this.user = user;
    const address = this.socket.remoteAddress ?? '';
    const method = chooseAuthMethod(this.ctx.options.authRules, { address, user, database });
    if (method === null || method === 'reject') {
      this.fatal(hbaRefusal(method, address, user, database));
      return;
    }
    const role = await this.lookupRole(user);
    if (this.state === 'closed') return;
    this.pendingStart = { user, database, parameters, role };
    this.auth = new Authenticator(method as Exclude<AuthMethod, 'reject'>, user, role, this.ctx.mockNonce);
    if (this.auth.start(this.w) === 'ok') await this.completeStartup();
  }

  private async lookupRole(user: string): Promise<RoleInfo | null> {
    try {
      return await this.backend.lookupRole(user);
    } catch (e) {
      this.fatal(toErrorFields(e));
      return null;
    }
  }

  private onAuth(frame: Frame): Promise<void> | undefined {
    if (frame.type !== Fe.Password || this.auth === null) {
      if (frame.type !== Fe.Terminate) {
        this.fatal(protocolViolation(`expected password response, got message type ${frame.type}`));
      } else this.close();
      return undefined;
    }
    try {
      if (this.auth.respond(frame.body, this.w) === 'continue') return undefined;
    } catch (e) {
      this.fatal(toErrorFields(e));
      return undefined;
    }
    return this.completeStartup();
  }

  /** Authentication passed: role and database checks, session, parameters, ReadyForQuery. */
  private async completeStartup(): Promise<void> {
    const start = this.pendingStart!;
    this.pendingStart = null;
    this.auth = null;
    // As PostgreSQL: AuthenticationOk first, then the role and database checks.
    this.w.authOk();
    try {
      const role = start.role;
      if (role === null)
        throw fatal(SQLSTATE.INVALID_AUTHORIZATION_SPECIFICATION, `role "${start.user}" does not exist`);
      if (!role.canLogin)
        throw fatal(
          SQLSTATE.INVALID_AUTHORIZATION_SPECIFICATION,
          `role "${start.user}" is not permitted to log in`,
        );
      if (!(await this.backend.databaseExists(start.database))) {
        throw fatal(SQLSTATE.INVALID_CATALOG_NAME, `database "${start.database}" does not exist`);
      }
      const params = startupParameters({
        client: start.parameters,
        user: start.user,
        superuser: role.superuser ?? false,
        engine: this.backend.serverParameters?.(),
      });
      const session = await this.backend.openSession({
        user: start.user,
        database: start.database,
        parameters: start.parameters,
      });
      if (this.state === 'closed') {
        await session.close();
        return;
      }
      this.session = session;
      this.extended = new ExtendedQuery(session, this.w);
      for (const [name, value] of Object.entries(params)) this.w.parameterStatus(name, value);
      this.w.backendKeyData(this.processId, this.secretKey);
      this.ctx.register(this);
      this.clearAuthTimer();
      this.state = 'ready';
      this.w.readyForQuery(session.transactionStatus());
    } catch (e) {
      const f = toErrorFields(e);
      this.fatal({ ...f, severity: 'FATAL' });
    }
  }

  // ---- queries ----

  private onReadyMessage(frame: Frame): Promise<void> | undefined {
    const type = frame.type;
    if (type === Fe.Terminate) {
      this.close();
      return undefined;
    }
    if (type === Fe.Sync) {
      this.sync();
      return undefined;
    }
    if (this.skipToSync) return undefined;
    const c = this.cursor.reset(frame.body);
    const ext = this.extended!;
    try {
      switch (type) {
        case Fe.Query:
          return this.simpleQuery(c.cstring());
        case Fe.Parse:
          return ext.parse(c).catch((e: unknown) => this.extendedError(e));
        case Fe.Bind:
          ext.bind(c);
          return undefined;
        case Fe.Describe:
          ext.describe(c);
          return undefined;
        case Fe.Execute:
          return ext.execute(c).catch((e: unknown) => this.extendedError(e));
        case Fe.Close:
          ext.close(c);
          return undefined;
        case Fe.Flush:
          this.flush();
          return undefined;
        case Fe.CopyData:
        case Fe.CopyDone:
        case Fe.CopyFail:
          // Data of a COPY that already failed: ignored, as PostgreSQL does.
          return undefined;
        case Fe.FunctionCall:
          throw new SqlError({
            severity: 'ERROR',
            code: SQLSTATE.FEATURE_NOT_SUPPORTED,
            message: 'fastpath function calls are not supported',
          });
        default:
          throw protocolViolation(`invalid frontend message type ${type}`);
      }
    } catch (e) {
      this.extendedError(e);
      return undefined;
    }
  }

  private extendedError(e: unknown): void {
    const f = toErrorFields(e);
    if (f.severity === 'FATAL' || f.severity === 'PANIC') {
      this.fatal(f);
      return;
    }
    this.w.errorResponse(f);
    this.skipToSync = true;
  }

  private sync(): void {
    this.skipToSync = false;
    const status = this.session!.transactionStatus();
    if (status === 'I') this.extended!.dropPortals();
    this.readyForQuery();
  }

  private readyForQuery(): void {
    for (const [name, value] of this.session!.takeParameterChanges?.() ?? [])
      this.w.parameterStatus(name, value);
    this.w.readyForQuery(this.session!.transactionStatus());
  }

  private async simpleQuery(sql: string): Promise<void> {
    this.extended!.dropUnnamed();
    let results: StatementResult[];
    try {
      results = await this.session!.simple(sql);
    } catch (e) {
      const completed = (e as SimpleQueryError | null)?.completed ?? [];
      if (!this.writeResults(completed)) return;
      this.simpleError(e);
      return;
    }
    // No statement at all (empty text, only comments or semicolons): EmptyQueryResponse.
    if (results.length === 0) results = [{ kind: 'empty' }];
    if (this.writeResults(results)) this.afterSimpleQuery();
  }

  /** Writes results; false when one was a COPY FROM STDIN (the connection now waits for data). */
  private writeResults(results: readonly StatementResult[]): boolean {
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.kind === 'copy-in') {
        for (const n of r.notices ?? []) this.w.noticeResponse(n);
        if (r.options.format === 'binary') {
          const e = new SqlError({
            severity: 'ERROR',
            code: SQLSTATE.FEATURE_NOT_SUPPORTED,
            message: 'COPY with FORMAT binary is not supported',
          });
          void r.fail(e).catch(() => undefined);
          this.simpleError(e);
          return false;
        }
        this.copyIn = new CopyIn(r, (e) => this.ctx.onInternalError(e));
        this.state = 'copy-in';
        this.w.copyResponse(0x47, false, r.columnNames.length);
        this.flush();
        return false;
      }
      try {
        writeSimpleResult(this.w, r);
      } catch (e) {
        this.simpleError(e);
        return false;
      }
    }
    return true;
  }

  private afterSimpleQuery(): void {
    if (this.session!.transactionStatus() === 'I') this.extended!.dropPortals();
    this.readyForQuery();
  }

  private simpleError(e: unknown): void {
    const f = toErrorFields(e);
    if (f.severity === 'FATAL' || f.severity === 'PANIC') {
      this.fatal(f);
      return;
    }
    this.w.errorResponse(f);
    this.readyForQuery();
  }

  private onCopyMessage(frame: Frame): Promise<void> | undefined {
    const copy = this.copyIn!;
    switch (frame.type) {
      case Fe.CopyData:
        copy.data(frame.body);
        return undefined;
      case Fe.Flush:
      case Fe.Sync:
        return undefined;
      case Fe.CopyDone:
        return this.finishCopy(copy.done());
      case Fe.CopyFail:
        return this.finishCopy(copy.failed(this.cursor.reset(frame.body).cstring()));
      default:
        return this.finishCopy(
          copy.abort(
            new SqlError({
              severity: 'ERROR',
              code: SQLSTATE.PROTOCOL_VIOLATION,
              message: `unexpected message type 0x${frame.type.toString(16).toUpperCase()} during COPY from stdin`,
            }),
          ),
        );
    }
  }

  private async finishCopy(outcome: Promise<StatementResult[]>): Promise<void> {
    this.copyIn = null;
    this.state = 'ready';
    let results: StatementResult[];
    try {
      results = await outcome;
    } catch (e) {
      const completed = (e as SimpleQueryError | null)?.completed ?? [];
      if (this.writeResults(completed)) this.simpleError(e);
      return;
    }
    if (this.writeResults(results)) this.afterSimpleQuery();
  }

  // ---- output and teardown ----

  private flush(): void {
    if (this.w.size() === 0 || this.socket.destroyed) return;
    if (!this.socket.write(this.w.take())) this.socket.pause();
  }

  /** Sends a FATAL error and closes. */
  private fatal(e: SqlErrorFields): void {
    if (this.state === 'closed') return;
    const f = toErrorFields(e);
    this.w.errorResponse({ ...f, severity: f.severity === 'PANIC' ? 'PANIC' : 'FATAL' });
    this.close();
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.flush();
    this.state = 'closed';
    // Closed once the last reply is written, without waiting for the client's FIN.
    this.socket.destroySoon();
    this.teardown();
  }

  private clearAuthTimer(): void {
    if (this.authTimer !== null) clearTimeout(this.authTimer);
    this.authTimer = null;
  }

  private teardown(): void {
    this.state = 'closed';
    this.clearAuthTimer();
    this.ctx.unregister(this);
    const session = this.session;
    this.session = null;
    if (session !== null) session.close().catch((e: unknown) => this.ctx.onInternalError(e));
    this.w.clear();
  }
}

function unencryptedAfter(kind: 'ssl' | 'gssenc'): SqlErrorFields {
  return {
    severity: 'FATAL',
    code: SQLSTATE.PROTOCOL_VIOLATION,
    message: `received unencrypted data after ${kind === 'ssl' ? 'SSL' : 'GSSAPI encryption'} request`,
    detail:
      'This could be either a client-software bug or evidence of an attempted man-in-the-middle attack.',
  };
}

function fatal(code: string, message: string): SqlError {
  return new SqlError({ severity: 'FATAL', code, message });
}

function hbaRefusal(
  method: AuthMethod | null,
  address: string,
  user: string,
  database: string,
): SqlErrorFields {
  const who = `host "${address}", user "${user}", database "${database}", no encryption`;
  return {
    severity: 'FATAL',
    code: SQLSTATE.INVALID_AUTHORIZATION_SPECIFICATION,
    message:
      method === null ? `no pg_hba.conf entry for ${who}` : `pg_hba.conf rejects connection for ${who}`,
  };
}
