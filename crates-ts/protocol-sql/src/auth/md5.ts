/**
 * PostgreSQL's md5 password method: pg_authid stores `md5` + md5(password + user); the client
 * answers a 4-byte salt with `md5` + md5(hex(md5(password + user)) + salt).
 */
import crypto from 'node:crypto';

function md5Hex(data: Buffer | string): string {
  return crypto.createHash('md5').update(data).digest('hex');
}

/** The stored form of an md5 password (what CREATE ROLE ... PASSWORD stored before PG 14). */
export function makeMd5Secret(password: string, user: string): string {
  return `md5${md5Hex(password + user)}`;
}

/** What a client with the right password sends for `salt`. */
export function md5Response(storedSecret: string, salt: Buffer): string {
  return `md5${md5Hex(Buffer.concat([Buffer.from(storedSecret.slice(3)), salt]))}`;
}

export function checkMd5Response(storedSecret: string | undefined, salt: Buffer, response: string): boolean {
  if (storedSecret === undefined || !/^md5[0-9a-f]{32}$/.test(storedSecret)) return false;
  const expected = Buffer.from(md5Response(storedSecret, salt));
  const got = Buffer.from(response);
  return expected.length === got.length && crypto.timingSafeEqual(expected, got);
}
