/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: the server side of one exchange,
 * and verifiers in pg_authid's format. No channel binding (we offer no SCRAM-SHA-256-PLUS, as
 * there is no TLS). A role without a usable verifier runs a mock exchange with a salt derived
 * from the user name, so a client cannot tell a missing role from a wrong password (as
 * PostgreSQL's scram_mock_salt). The user name in client-first is ignored: the startup packet's
 * user is authoritative (as in PostgreSQL).
 */
import crypto from 'node:crypto';
import { assert } from '@seshat/common';
import { SCRAM_ITERATIONS_DEFAULT, SCRAM_MESSAGE_MAX_BYTES } from '../constants.js';
import { protocolViolation, SqlError, SQLSTATE } from '../errors.js';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
/** PostgreSQL's SCRAM_RAW_NONCE_LEN and SCRAM_DEFAULT_SALT_LEN. */
const NONCE_BYTES = 18;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

export interface ScramVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

function hmac(key: Buffer, text: string): Buffer {
  return crypto.createHmac('sha256', key).update(text).digest();
}

function sha256(data: Buffer | string): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}

/**
 * SASLprep (RFC 4013) approximated: non-ASCII spaces map to space, "mapped to nothing"
 * characters are dropped, then NFKC. PostgreSQL also uses the raw bytes when SASLprep fails;
 * for ASCII passwords (the usual case) both are the identity.
 */
/** RFC 3454 B.1: characters commonly mapped to nothing. */
const MAPPED_TO_NOTHING = new Set([
  0xad,
  0x34f,
  0x1806,
  0x180b,
  0x180c,
  0x180d,
  0x200b,
  0x200c,
  0x200d,
  0x2060,
  0xfeff,
  ...Array.from({ length: 16 }, (_, i) => 0xfe00 + i),
]);

export function saslPrep(password: string): string {
  let mapped = '';
  for (const ch of password) {
    const cp = ch.codePointAt(0)!;
    if (MAPPED_TO_NOTHING.has(cp)) continue;
    mapped += /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/.test(ch) ? ' ' : ch;
  }
  return mapped.normalize('NFKC');
}

/** A pg_authid-format verifier for `password` (what CREATE ROLE ... PASSWORD stores). */
export function makeScramVerifier(
  password: string,
  iterations = SCRAM_ITERATIONS_DEFAULT,
  salt: Buffer = crypto.randomBytes(SALT_BYTES),
): string {
  const salted = crypto.pbkdf2Sync(saslPrep(password), salt, iterations, KEY_BYTES, 'sha256');
  const storedKey = sha256(hmac(salted, 'Client Key'));
  const serverKey = hmac(salted, 'Server Key');
  return `${SCRAM_MECHANISM}$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Parses `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`; null when malformed. */
export function parseScramVerifier(text: string): ScramVerifier | null {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text);
  if (m === null) return null;
  const iterations = Number(m[1]);
  const storedKey = Buffer.from(m[3]!, 'base64');
  const serverKey = Buffer.from(m[4]!, 'base64');
  if (iterations < 1 || storedKey.length !== KEY_BYTES || serverKey.length !== KEY_BYTES) return null;
  return { iterations, salt: Buffer.from(m[2]!, 'base64'), storedKey, serverKey };
}

function malformed(detail: string): SqlError {
  const e = protocolViolation('malformed SCRAM message', 'FATAL');
  e.detail = detail;
  return e;
}

/** Splits `a=...,b=...` attributes, checking each is `<letter>=`. */
function attributes(text: string): { name: string; value: string }[] {
  return text.split(',').map((part) => {
    if (part.length < 2 || part[1] !== '=' || !/[A-Za-z]/.test(part[0]!)) {
      throw malformed(`Attribute expected, but found invalid character "${part.slice(0, 1)}".`);
    }
    return { name: part[0]!, value: part.slice(2) };
  });
}

type Phase = 'first' | 'final' | 'done';

/** The server side of one SCRAM-SHA-256 exchange. */
export class ScramExchange {
  private phase: Phase = 'first';
  private readonly verifier: ScramVerifier;
  private readonly mock: boolean;
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  /**
   * `verifier` null: a mock exchange that always fails (unknown role, no SCRAM secret).
   * `serverNonce` is injectable for the RFC 7677 test vector; random otherwise.
   */
  constructor(
    verifier: ScramVerifier | null,
    user: string,
    mockNonce: Buffer,
    private readonly serverNonce: () => string = () => crypto.randomBytes(NONCE_BYTES).toString('base64'),
  ) {
    this.mock = verifier === null;
    this.verifier = verifier ?? {
      iterations: SCRAM_ITERATIONS_DEFAULT,
      salt: sha256(Buffer.concat([mockNonce, Buffer.from(user)])).subarray(0, SALT_BYTES),
      storedKey: Buffer.alloc(KEY_BYTES),
      serverKey: Buffer.alloc(KEY_BYTES),
    };
  }

  /** Takes client-first-message, returns server-first-message. */
  first(clientFirst: string): string {
    assert(this.phase === 'first', 'SCRAM first message twice');
    if (clientFirst.length > SCRAM_MESSAGE_MAX_BYTES) throw malformed('The message is too long.');
    const flag = clientFirst[0];
    if (flag === 'p') {
      throw malformed(
        'The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.',
      );
    }
    if ((flag !== 'n' && flag !== 'y') || clientFirst[1] !== ',') {
      throw malformed(`Unexpected channel-binding flag "${flag ?? ''}".`);
    }
    const authzEnd = clientFirst.indexOf(',', 2);
    if (authzEnd < 0) throw malformed('Comma expected, but found end of string.');
    if (authzEnd !== 2)
      throw new SqlError({
        severity: 'FATAL',
        code: SQLSTATE.FEATURE_NOT_SUPPORTED,
        message: 'client uses authorization identity, but it is not supported',
      });
    this.gs2Header = clientFirst.slice(0, authzEnd + 1);
    this.clientFirstBare = clientFirst.slice(authzEnd + 1);
    const attrs = attributes(this.clientFirstBare);
    if (attrs[0]?.name !== 'n') throw malformed('Attribute expected, but found invalid character.');
    const r = attrs[1];
    if (r?.name !== 'r' || r.value.length === 0 || /[^\x21-\x2b\x2d-\x7e]/.test(r.value)) {
      throw malformed('Could not parse client nonce.');
    }
    this.nonce = r.value + this.serverNonce();
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    this.phase = 'final';
    return this.serverFirst;
  }

  /**
   * Takes client-final-message; returns server-final-message when the proof is right, or
   * null when the password is wrong (or the exchange is a mock). Malformed input throws.
   */
  final(clientFinal: string): string | null {
    assert(this.phase === 'final', 'SCRAM final message out of order');
    this.phase = 'done';
    if (clientFinal.length > SCRAM_MESSAGE_MAX_BYTES) throw malformed('The message is too long.');
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) throw malformed('Malformed proof in client-final-message.');
    const withoutProof = clientFinal.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (
      attrs[0]?.name !== 'c' ||
      Buffer.from(attrs[0].value, 'base64').toString('latin1') !== this.gs2Header
    ) {
      throw malformed('SCRAM channel binding check failed.');
    }
    if (attrs[1]?.name !== 'r' || attrs[1].value !== this.nonce) throw malformed('Nonce does not match.');
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    if (proof.length !== KEY_BYTES) throw malformed('Malformed proof in client-final-message.');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.verifier.storedKey, authMessage);
    const clientKey = Buffer.alloc(KEY_BYTES);
    for (let i = 0; i < KEY_BYTES; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    const ok = crypto.timingSafeEqual(sha256(clientKey), this.verifier.storedKey);
    if (!ok || this.mock) return null;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}
