// Checks the SCRAM-SHA-256 server and the md5 method against published and independent
// values: the RFC 7677 section 3 example exchange (user "user", password "pencil") must give
// the RFC's server-first and server-final messages from its client messages; verifiers made
// here must parse and accept the RFC's proof; a wrong proof, a mock exchange and malformed
// messages must fail. md5: the stored secret and the salted response computed by hand.
import crypto from 'node:crypto';
import {
  makeMd5Secret,
  makeScramVerifier,
  md5Response,
  parseScramVerifier,
  ScramExchange,
} from '@seshat/protocol-sql';
import t from 'tap';

const RFC = {
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const verifierText = makeScramVerifier('pencil', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));

t.test('RFC 7677 example exchange', async (t) => {
  const v = parseScramVerifier(verifierText);
  t.ok(v, 'verifier parses');
  const x = new ScramExchange(v, 'user', Buffer.alloc(32), () => RFC.serverNonce);
  t.equal(x.first(RFC.clientFirst), RFC.serverFirst);
  t.equal(x.final(RFC.clientFinal), RFC.serverFinal);
});

t.test('wrong proof and mock exchange fail', async (t) => {
  const v = parseScramVerifier(verifierText);
  const x = new ScramExchange(v, 'user', Buffer.alloc(32), () => RFC.serverNonce);
  x.first(RFC.clientFirst);
  const bad = RFC.clientFinal.replace(/p=.*/, `p=${crypto.randomBytes(32).toString('base64')}`);
  t.equal(x.final(bad), null);
  const mock = new ScramExchange(null, 'nobody', Buffer.alloc(32, 7), () => RFC.serverNonce);
  const first = mock.first(RFC.clientFirst);
  t.match(first, /^r=rOprNGfwEbeRWgbNEkqO.*,s=[A-Za-z0-9+/=]+,i=4096$/);
  const again = new ScramExchange(null, 'nobody', Buffer.alloc(32, 7), () => RFC.serverNonce).first(
    RFC.clientFirst,
  );
  t.equal(first, again, 'mock salt is stable per user, so probing cannot tell the role is missing');
  t.equal(mock.final(RFC.clientFinal), null);
});

t.test('malformed messages', async (t) => {
  const v = parseScramVerifier(verifierText);
  const fresh = () => new ScramExchange(v, 'user', Buffer.alloc(32), () => RFC.serverNonce);
  for (const bad of [
    '',
    'x,,n=user,r=abc',
    'p=tls-unique,,n=,r=abc',
    'n,,n=user',
    'n,a=admin,n=user,r=abc',
  ]) {
    t.throws(() => fresh().first(bad), { code: /^(08P01|0A000)$/ }, JSON.stringify(bad));
  }
  const x = fresh();
  x.first(RFC.clientFirst);
  t.throws(() => x.final('c=biws,r=other,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='), { code: '08P01' });
  t.equal(parseScramVerifier('md5abc'), null);
  t.equal(parseScramVerifier('SCRAM-SHA-256$4096:c2FsdA==$AAAA:BBBB'), null, 'short keys refused');
});

t.test('md5 secret and response', async (t) => {
  const secret = makeMd5Secret('secret', 'alice');
  t.equal(secret, `md5${crypto.createHash('md5').update('secretalice').digest('hex')}`);
  const salt = Buffer.from([1, 2, 3, 4]);
  const inner = crypto.createHash('md5').update('secretalice').digest('hex');
  const expected = `md5${crypto
    .createHash('md5')
    .update(Buffer.concat([Buffer.from(inner), salt]))
    .digest('hex')}`;
  t.equal(md5Response(secret, salt), expected);
});
