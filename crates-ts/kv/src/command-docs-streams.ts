/**
 * What Redis 7.0.15 reports about the stream commands in COMMAND INFO and COMMAND DOCS, in the
 * compact form command-docs.ts describes; command-docs.ts merges it into COMMAND_DOCS.
 * Extracted from a real redis-server 7.0.15 (COMMAND INFO and COMMAND DOCS over RESP3) and
 * reviewed; edit by hand only to follow Redis.
 */
import type { CommandDoc } from './command-docs.js';

// biome-ignore format: a generated table, one command per block
export const STREAM_COMMAND_DOCS: { readonly [name: string]: CommandDoc } = {
  xack: {
    info: [-4, 'write fast', 1, 1, 1, '@write @stream @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.', '5.0.0', 'stream', 'O(1) for each message ID processed.'],
    args: ['key key #0', 'group string', 'id string *'],
  },
  xadd: {
    info: [-5, 'write denyoom fast', 1, 1, 1, '@write @stream @fast'],
    tips: ['nondeterministic_output'],
    keys: ['RW update | index 1 | range 0 1 0 | UPDATE instead of INSERT because of the optional trimming feature'],
    doc: ['Appends a new entry to a stream', '5.0.0', 'stream', 'O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.'],
    history: [['6.2.0', 'Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option.'], ['7.0.0', 'Added support for the `<ms>-*` explicit ID form.']],
    args: ['key key #0', 'nomkstream pure-token =NOMKSTREAM @6.2.0 ?', ['trim block ?', [['strategy oneof', ['maxlen pure-token =MAXLEN', 'minid pure-token =MINID @6.2.0']], ['operator oneof ?', ['equal pure-token ==', 'approximately pure-token =~']], 'threshold string', 'count integer =LIMIT @6.2.0 ?']], ['id_or_auto oneof', ['auto_id pure-token =*', 'id string']], ['field_value block *', ['field string', 'value string']]],
  },
  xautoclaim: {
    info: [-6, 'write fast', 1, 1, 1, '@write @stream @fast'],
    tips: ['nondeterministic_output'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.', '6.2.0', 'stream', 'O(1) if COUNT is small.'],
    history: [['7.0.0', 'Added an element to the reply array, containing deleted entries the command cleared from the PEL']],
    args: ['key key #0', 'group string', 'consumer string', 'min-idle-time string', 'start string', 'count integer =COUNT ?', 'justid pure-token =JUSTID ?'],
  },
  xclaim: {
    info: [-6, 'write fast', 1, 1, 1, '@write @stream @fast'],
    tips: ['nondeterministic_output'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.', '5.0.0', 'stream', 'O(log N) with N being the number of messages in the PEL of the consumer group.'],
    args: ['key key #0', 'group string', 'consumer string', 'min-idle-time string', 'id string *', 'ms integer =IDLE ?', 'unix-time-milliseconds unix-time =TIME ?', 'count integer =RETRYCOUNT ?', 'force pure-token =FORCE ?', 'justid pure-token =JUSTID ?', 'id string =LASTID ?'],
  },
  xdel: {
    info: [-3, 'write fast', 1, 1, 1, '@write @stream @fast'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.', '5.0.0', 'stream', 'O(1) for each single item to delete in the stream, regardless of the stream size.'],
    args: ['key key #0', 'id string *'],
  },
  xgroup: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for consumer groups commands', '5.0.0', 'stream', 'Depends on subcommand.'],
  },
  'xgroup|create': {
    info: [-5, 'write denyoom', 2, 2, 1, '@write @stream @slow'],
    keys: ['RW insert | index 2 | range 0 1 0'],
    doc: ['Create a consumer group.', '5.0.0', 'stream', 'O(1)'],
    history: [['7.0.0', 'Added the `entries_read` named argument.']],
    args: ['key key #0', 'groupname string', ['id oneof', ['id string', 'new_id pure-token =$']], 'mkstream pure-token =MKSTREAM ?', 'entries_read integer =ENTRIESREAD ?'],
  },
  'xgroup|createconsumer': {
    info: [5, 'write denyoom', 2, 2, 1, '@write @stream @slow'],
    keys: ['RW insert | index 2 | range 0 1 0'],
    doc: ['Create a consumer in a consumer group.', '6.2.0', 'stream', 'O(1)'],
    args: ['key key #0', 'groupname string', 'consumername string'],
  },
  'xgroup|delconsumer': {
    info: [5, 'write', 2, 2, 1, '@write @stream @slow'],
    keys: ['RW delete | index 2 | range 0 1 0'],
    doc: ['Delete a consumer from a consumer group.', '5.0.0', 'stream', 'O(1)'],
    args: ['key key #0', 'groupname string', 'consumername string'],
  },
  'xgroup|destroy': {
    info: [4, 'write', 2, 2, 1, '@write @stream @slow'],
    keys: ['RW delete | index 2 | range 0 1 0'],
    doc: ['Destroy a consumer group.', '5.0.0', 'stream', 'O(N) where N is the number of entries in the group\'s pending entries list (PEL).'],
    args: ['key key #0', 'groupname string'],
  },
  'xgroup|help': {
    info: [2, 'loading stale', 0, 0, 0, '@stream @slow'],
    doc: ['Show helpful text about the different subcommands', '5.0.0', 'stream', 'O(1)'],
  },
  'xgroup|setid': {
    info: [-5, 'write', 2, 2, 1, '@write @stream @slow'],
    keys: ['RW update | index 2 | range 0 1 0'],
    doc: ['Set a consumer group to an arbitrary last delivered ID value.', '5.0.0', 'stream', 'O(1)'],
    history: [['7.0.0', 'Added the optional `entries_read` argument.']],
    args: ['key key #0', 'groupname string', ['id oneof', ['id string', 'new_id pure-token =$']], 'entries_read integer =ENTRIESREAD ?'],
  },
  xinfo: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for stream introspection commands', '5.0.0', 'stream', 'Depends on subcommand.'],
  },
  'xinfo|consumers': {
    info: [4, 'readonly', 2, 2, 1, '@read @stream @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 2 | range 0 1 0'],
    doc: ['List the consumers in a consumer group', '5.0.0', 'stream', 'O(1)'],
    args: ['key key #0', 'groupname string'],
  },
  'xinfo|groups': {
    info: [3, 'readonly', 2, 2, 1, '@read @stream @slow'],
    keys: ['RO access | index 2 | range 0 1 0'],
    doc: ['List the consumer groups of a stream', '5.0.0', 'stream', 'O(1)'],
    history: [['7.0.0', 'Added the `entries-read` and `lag` fields']],
    args: ['key key #0'],
  },
  'xinfo|help': {
    info: [2, 'loading stale', 0, 0, 0, '@stream @slow'],
    doc: ['Show helpful text about the different subcommands', '5.0.0', 'stream', 'O(1)'],
  },
  'xinfo|stream': {
    info: [-3, 'readonly', 2, 2, 1, '@read @stream @slow'],
    keys: ['RO access | index 2 | range 0 1 0'],
    doc: ['Get information about a stream', '5.0.0', 'stream', 'O(1)'],
    history: [['6.0.0', 'Added the `FULL` modifier.'], ['7.0.0', 'Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields']],
    args: ['key key #0', ['full block =FULL ?', ['count integer =COUNT ?']]],
  },
  xlen: {
    info: [2, 'readonly fast', 1, 1, 1, '@read @stream @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Return the number of entries in a stream', '5.0.0', 'stream', 'O(1)'],
    args: ['key key #0'],
  },
  xpending: {
    info: [-3, 'readonly', 1, 1, 1, '@read @stream @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.', '5.0.0', 'stream', 'O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.'],
    history: [['6.2.0', 'Added the `IDLE` option and exclusive range intervals.']],
    args: ['key key #0', 'group string', ['filters block ?', ['min-idle-time integer =IDLE @6.2.0 ?', 'start string', 'end string', 'count integer', 'consumer string ?']]],
  },
  xrange: {
    info: [-4, 'readonly', 1, 1, 1, '@read @stream @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return a range of elements in a stream, with IDs matching the specified IDs interval', '5.0.0', 'stream', 'O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).'],
    history: [['6.2.0', 'Added exclusive ranges.']],
    args: ['key key #0', 'start string', 'end string', 'count integer =COUNT ?'],
  },
  xread: {
    info: [-4, 'readonly blocking movablekeys', 0, 0, 0, '@read @stream @slow @blocking'],
    keys: ['RO access | keyword STREAMS 1 | range -1 1 2'],
    doc: ['Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.', '5.0.0', 'stream', 'For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.'],
    args: ['count integer =COUNT ?', 'milliseconds integer =BLOCK ?', ['streams block =STREAMS', ['key key #0 *', 'id string *']]],
  },
  xreadgroup: {
    info: [-7, 'write blocking movablekeys', 0, 0, 0, '@write @stream @slow @blocking'],
    keys: ['RO access | keyword STREAMS 4 | range -1 1 2'],
    doc: ['Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.', '5.0.0', 'stream', 'For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.'],
    args: [['group_consumer block =GROUP', ['group string', 'consumer string']], 'count integer =COUNT ?', 'milliseconds integer =BLOCK ?', 'noack pure-token =NOACK ?', ['streams block =STREAMS', ['key key #0 *', 'id string *']]],
  },
  xrevrange: {
    info: [-4, 'readonly', 1, 1, 1, '@read @stream @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE', '5.0.0', 'stream', 'O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).'],
    history: [['6.2.0', 'Added exclusive ranges.']],
    args: ['key key #0', 'end string', 'start string', 'count integer =COUNT ?'],
  },
  xsetid: {
    info: [-3, 'write denyoom fast', 1, 1, 1, '@write @stream @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['An internal command for replicating stream values', '5.0.0', 'stream', 'O(1)'],
    history: [['7.0.0', 'Added the `entries_added` and `max_deleted_entry_id` arguments.']],
    args: ['key key #0', 'last-id string', 'entries_added integer =ENTRIESADDED @7.0.0 ?', 'max_deleted_entry_id string =MAXDELETEDID @7.0.0 ?'],
  },
  xtrim: {
    info: [-4, 'write', 1, 1, 1, '@write @stream @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Trims the stream to (approximately if \'~\' is passed) a certain size', '5.0.0', 'stream', 'O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.'],
    history: [['6.2.0', 'Added the `MINID` trimming strategy and the `LIMIT` option.']],
    args: ['key key #0', ['trim block', [['strategy oneof', ['maxlen pure-token =MAXLEN', 'minid pure-token =MINID @6.2.0']], ['operator oneof ?', ['equal pure-token ==', 'approximately pure-token =~']], 'threshold string', 'count integer =LIMIT @6.2.0 ?']]],
  },
};
