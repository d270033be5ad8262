// The per-connection FIFO of pending replies (forward-route.ts): replies of forwarded commands
// and of reads the leader serves through ReadIndex may complete in any order, and must reach
// the connection in the order of its commands. A stand-in connection records what it is
// handed; slots are filled out of order and the deliveries are checked after each fill.
import t from 'tap';
import type { Client } from '../src/client.js';
import { forwardsCount, forwardsPending, localReadSlot } from '../src/forward-route.js';

/** The parts of a Client the slots use: pending replies in, delivered replies out. */
function fakeClient() {
  const delivered: string[] = [];
  let expected = 0;
  let flushes = 0;
  const client = {
    db: 0,
    expectWriteReply: () => {
      expected++;
    },
    onWriteReply: (reply: unknown) => {
      delivered.push(String(reply));
    },
    flushSoon: () => {
      flushes++;
    },
  };
  return {
    client: client as unknown as Client,
    delivered,
    expected: () => expected,
    flushes: () => flushes,
  };
}

t.test('replies completed out of order are delivered in command order', async (t) => {
  const c = fakeClient();
  const fills = [localReadSlot(c.client), localReadSlot(c.client), localReadSlot(c.client)];
  t.equal(c.expected(), 3, 'each slot registers a pending reply');
  t.equal(forwardsCount(c.client), 0, 'reads served here are not forwards');
  t.equal(forwardsPending(c.client), false);

  fills[2]!('third');
  t.same(c.delivered, [], 'the third waits for the first two');
  fills[0]!('first');
  t.same(c.delivered, ['first'], 'the first goes at once');
  fills[1]!('second');
  t.same(c.delivered, ['first', 'second', 'third'], 'the second releases the third');
  t.equal(c.flushes(), 3, 'every fill asks for a write at the end of the turn');

  const late = localReadSlot(c.client);
  late('fourth');
  t.same(c.delivered.at(-1), 'fourth', 'a slot opened after an empty FIFO goes at once');
});
