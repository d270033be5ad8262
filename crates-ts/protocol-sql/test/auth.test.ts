// Checks authentication end to end with node-postgres (its own SCRAM and md5 client code) and
// psql (libpq's) when installed: SCRAM-SHA-256, md5 (and md5 upgraded to SCRAM for a role
// with only a SCRAM secret, as PostgreSQL does), cleartext password and trust, chosen per
// user by rules; right passwords log in, wrong ones, unknown roles under a password method
// and roles without LOGIN get PostgreSQL's FATAL errors (28P01 / 28000), unknown databases
// 3D000, a reject rule or no matching rule 28000. After each refusal the server still serves.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { makeMd5Secret, makeScramVerifier } from '@seshat/protocol-sql';
import pg from 'pg';
import t from 'tap';
import { startPgServer } from './helpers/pg-server.js';

const PSQL = '/usr/bin/psql';

async function tryConnect(
  port: number,
  user: string,
  password: string | undefined,
  database = 'postgres',
): Promise<unknown> {
  const c = new pg.Client({ host: '127.0.0.1', port, user, password, database });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const r = await c.query('SELECT 1 AS one');
    await c.end();
    return r.rows[0].one;
  } catch (e) {
    return e;
  }
}

function psql(
  port: number,
  user: string,
  password: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' };
    execFile(
      PSQL,
      ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', 'postgres', '-Atc', 'SELECT 7'],
      { env },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

t.test('authentication methods', async (t) => {
  const { port } = await startPgServer(t, {
    roles: {
      postgres: { canLogin: true, superuser: true },
      alice: { canLogin: true, scramVerifier: makeScramVerifier('wonderland') },
      bob: { canLogin: true, md5: makeMd5Secret('builder', 'bob') },
      carol: { canLogin: false, scramVerifier: makeScramVerifier('nologin') },
      dave: { canLogin: true, scramVerifier: makeScramVerifier('plain') },
      erin: { canLogin: true, scramVerifier: makeScramVerifier('upgrade') },
    },
    authRules: [
      { address: 'loopback', user: 'postgres', method: 'trust' },
      { address: 'loopback', user: 'bob', method: 'md5' },
      { address: 'loopback', user: 'erin', method: 'md5' },
      { address: 'loopback', user: 'dave', method: 'password' },
      { address: 'loopback', user: 'mallory', method: 'reject' },
      { address: '10.0.0.0/8', method: 'trust' },
      { address: 'loopback', user: 'nobody', method: 'trust' },
      { address: '127.0.0.1/32', user: 'alice', method: 'scram-sha-256' },
      { address: 'loopback', user: 'carol', method: 'scram-sha-256' },
      { address: 'loopback', user: 'ghost', method: 'scram-sha-256' },
    ],
  });
  const failed = (user: string) => ({
    code: '28P01',
    severity: 'FATAL',
    message: `password authentication failed for user "${user}"`,
  });

  t.equal(await tryConnect(port, 'postgres', undefined), 1, 'trust');
  t.equal(await tryConnect(port, 'alice', 'wonderland'), 1, 'SCRAM right password');
  t.match(await tryConnect(port, 'alice', 'looking-glass'), failed('alice'), 'SCRAM wrong password');
  t.equal(await tryConnect(port, 'bob', 'builder'), 1, 'md5 right password');
  t.match(await tryConnect(port, 'bob', 'fixer'), failed('bob'), 'md5 wrong password');
  t.equal(await tryConnect(port, 'erin', 'upgrade'), 1, 'md5 rule with a SCRAM secret runs SCRAM');
  t.match(await tryConnect(port, 'erin', 'downgrade'), failed('erin'));
  t.equal(await tryConnect(port, 'dave', 'plain'), 1, 'cleartext password checked against the SCRAM secret');
  t.match(await tryConnect(port, 'dave', 'wrong'), failed('dave'));
  t.match(
    await tryConnect(port, 'ghost', 'x'),
    failed('ghost'),
    'unknown role under SCRAM looks like a wrong password',
  );
  t.match(await tryConnect(port, 'nobody', undefined), {
    code: '28000',
    message: 'role "nobody" does not exist',
  });
  t.match(await tryConnect(port, 'carol', 'nologin'), {
    code: '28000',
    message: 'role "carol" is not permitted to log in',
  });
  t.match(
    await tryConnect(port, 'carol', 'bad'),
    failed('carol'),
    'no LOGIN is revealed only after a right password',
  );
  t.match(await tryConnect(port, 'mallory', 'x'), {
    code: '28000',
    message:
      'pg_hba.conf rejects connection for host "127.0.0.1", user "mallory", database "postgres", no encryption',
  });
  t.match(await tryConnect(port, 'zed', 'x'), {
    code: '28000',
    message: 'no pg_hba.conf entry for host "127.0.0.1", user "zed", database "postgres", no encryption',
  });
  t.match(await tryConnect(port, 'postgres', undefined, 'nodb'), {
    code: '3D000',
    message: 'database "nodb" does not exist',
  });
  t.equal(await tryConnect(port, 'alice', 'wonderland'), 1, 'still serving');

  await t.test(
    'psql (libpq) logins',
    { skip: fs.existsSync(PSQL) ? false : 'psql not installed' },
    async (t) => {
      t.match(await psql(port, 'alice', 'wonderland'), { code: 0, stdout: '7\n' });
      t.match(await psql(port, 'bob', 'builder'), { code: 0, stdout: '7\n' });
      t.match(await psql(port, 'dave', 'plain'), { code: 0, stdout: '7\n' });
      const bad = await psql(port, 'alice', 'nope');
      t.equal(bad.code, 2);
      t.match(bad.stderr, 'FATAL:  password authentication failed for user "alice"');
    },
  );
});
