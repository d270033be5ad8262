// GroupDriver.submitRetry on a real single-voter leader (single-voter.ts): the retry of a
// write whose first attempt was applied is answered with the first reply and not applied
// again (its recheck is not consulted); the retry of a write never applied is proposed,
// unless its recheck (a transaction's WATCH check) returns a reply, which is answered
// instead and nothing is applied.
import { NULL_ARRAY, type Reply } from '@seshat/common';
import t from 'tap';
import type { WriteIdentity } from '../src/index.js';
import { replyWaiter, type SingleVoter, singleVoterLeader, write } from './single-voter.js';

const INCR = ['INCR', 'n'];

function retry(d: SingleVoter, argv: string[], id: WriteIdentity, recheck: () => Reply | null) {
  return new Promise<string>((resolve) =>
    d.submitRetry(
      replyWaiter(resolve),
      0,
      argv.map((a) => Buffer.from(a)),
      { ...id, retry: true },
      recheck,
    ),
  );
}

t.test('a retry of an applied write answers the first reply; the recheck is not asked', async (t) => {
  const d = await singleVoterLeader(t);
  const id = { tag: 7, sentAfterIndex: d.sm.appliedIndex, retry: false };
  t.equal(await write(d, INCR, id.tag), ':1', 'first attempt applied');
  let asked = 0;
  const r = await retry(d, INCR, id, () => {
    asked++;
    return NULL_ARRAY;
  });
  t.equal(r, ':1', 'the first reply');
  t.equal(asked, 0, 'recheck not asked');
  t.equal(await write(d, INCR), ':2', 'applied once');
});

t.test('a retry of a write never applied is proposed, unless the recheck refuses it', async (t) => {
  const d = await singleVoterLeader(t);
  const refused = await retry(
    d,
    INCR,
    { tag: 8, sentAfterIndex: d.sm.appliedIndex, retry: true },
    () => NULL_ARRAY,
  );
  t.equal(refused, '*-1', "the recheck's reply");
  t.equal(await write(d, INCR), ':1', 'the refused retry applied nothing');
  const proposed = await retry(
    d,
    INCR,
    { tag: 9, sentAfterIndex: d.sm.appliedIndex, retry: true },
    () => null,
  );
  t.equal(proposed, ':2', 'proposed and applied');
  t.equal(await retry(d, INCR, { tag: 9, sentAfterIndex: 0, retry: true }, () => null), ':2', 'once');
});
