/**
 * One connection's authentication exchange after the startup packet: sends the request for
 * the chosen method and checks the client's Password / SASL messages. `start()` and
 * `respond()` return 'ok' when the client is authenticated, 'continue' when another message
 * is expected; a failure throws a FATAL SqlError with PostgreSQL's text (28P01 for a wrong
 * password, whatever the reason, so as not to reveal whether the role exists).
 */
import crypto from 'node:crypto';
import { assert } from '@seshat/common';
import type { RoleInfo } from '../backend.js';
import { AuthCode } from '../constants.js';
import { MessageCursor } from '../cursor.js';
import { protocolViolation, SqlError, SQLSTATE } from '../errors.js';
import type { BackendWriter } from '../writer.js';
import { checkMd5Response } from './md5.js';
import type { AuthMethod } from './rules.js';
import { parseScramVerifier, SCRAM_MECHANISM, ScramExchange, saslPrep } from './scram.js';

const MD5_SALT_BYTES = 4;

export type AuthStep = 'ok' | 'continue';

export function passwordFailed(user: string): SqlError {
  return new SqlError({
    severity: 'FATAL',
    code: SQLSTATE.INVALID_PASSWORD,
    message: `password authentication failed for user "${user}"`,
  });
}

type Flow = 'trust' | 'password' | 'md5' | 'scram-first' | 'scram-final';

export class Authenticator {
  private flow: Flow = 'trust';
  private md5Salt = Buffer.alloc(0);
  private scram: ScramExchange | null = null;
  private readonly cursor = new MessageCursor();

  constructor(
    private readonly method: Exclude<AuthMethod, 'reject'>,
    private readonly user: string,
    private readonly role: RoleInfo | null,
    /** Per-server secret for mock SCRAM salts (stable, so retries see the same salt). */
    private readonly mockNonce: Buffer,
  ) {}

  start(w: BackendWriter): AuthStep {
    // As PostgreSQL: md5 with a SCRAM-only secret is upgraded to SCRAM.
    const useScram =
      this.method === 'scram-sha-256' ||
      (this.method === 'md5' && this.role?.md5 === undefined && this.role?.scramVerifier !== undefined);
    if (this.method === 'trust') return 'ok';
    if (this.method === 'password') {
      this.flow = 'password';
      w.authRequest(AuthCode.CleartextPassword);
    } else if (useScram) {
      this.flow = 'scram-first';
      const verifier =
        this.role?.scramVerifier === undefined ? null : parseScramVerifier(this.role.scramVerifier);
      this.scram = new ScramExchange(verifier, this.user, this.mockNonce);
      w.authSasl([SCRAM_MECHANISM]);
    } else {
      this.flow = 'md5';
      this.md5Salt = crypto.randomBytes(MD5_SALT_BYTES);
      w.authRequest(AuthCode.MD5Password, this.md5Salt);
    }
    return 'continue';
  }

  /** A Password-family message body ('p'). */
  respond(body: Buffer, w: BackendWriter): AuthStep {
    const c = this.cursor.reset(body);
    switch (this.flow) {
      case 'password':
        return this.checkCleartext(c.cstring());
      case 'md5':
        if (!checkMd5Response(this.role?.md5, this.md5Salt, c.cstring())) throw passwordFailed(this.user);
        return this.requireLogin();
      case 'scram-first':
        return this.scramFirst(c, w);
      case 'scram-final':
        return this.scramFinal(c.rest().toString('utf8'), w);
      default:
        throw protocolViolation('unexpected password message');
    }
  }

  private scramFirst(c: MessageCursor, w: BackendWriter): AuthStep {
    const mechanism = c.cstring();
    if (mechanism !== SCRAM_MECHANISM) {
      throw protocolViolation('client selected an invalid SASL authentication mechanism');
    }
    const length = c.int32();
    const data = length < 0 ? '' : c.bytes(length).toString('utf8');
    assert(this.scram !== null, 'SCRAM exchange missing');
    w.authRequest(AuthCode.SASLContinue, Buffer.from(this.scram.first(data)));
    this.flow = 'scram-final';
    return 'continue';
  }

  private scramFinal(data: string, w: BackendWriter): AuthStep {
    assert(this.scram !== null, 'SCRAM exchange missing');
    const serverFinal = this.scram.final(data);
    if (serverFinal === null) throw passwordFailed(this.user);
    this.requireLogin();
    w.authRequest(AuthCode.SASLFinal, Buffer.from(serverFinal));
    return 'ok';
  }

  /** Cleartext: checked against whichever secret the role has. */
  private checkCleartext(password: string): AuthStep {
    const role = this.role;
    let ok = false;
    if (role?.scramVerifier !== undefined) {
      const v = parseScramVerifier(role.scramVerifier);
      if (v !== null) {
        const salted = crypto.pbkdf2Sync(saslPrep(password), v.salt, v.iterations, 32, 'sha256');
        const clientKey = crypto.createHmac('sha256', salted).update('Client Key').digest();
        ok = crypto.timingSafeEqual(crypto.createHash('sha256').update(clientKey).digest(), v.storedKey);
      }
    } else if (role?.md5 !== undefined) {
      ok =
        role.md5 ===
        `md5${crypto
          .createHash('md5')
          .update(password + this.user)
          .digest('hex')}`;
    }
    if (!ok) throw passwordFailed(this.user);
    return this.requireLogin();
  }

  /** A role that cannot log in fails only after a correct password, as in PostgreSQL. */
  private requireLogin(): AuthStep {
    if (this.role === null) throw passwordFailed(this.user);
    return 'ok';
  }
}
