/**
 * CLUSTER HELP and CLUSTER KEYSLOT (Redis 7.0.15 cluster.c). Like every CLUSTER subcommand,
 * a node without cluster support answers "This instance has cluster support disabled" (Redis
 * checks that before the subcommand). HELP prints Redis's own text, which also names the
 * subcommands Seshat does not have (they stay unknown subcommands here).
 */
import { keyHashSlot, SimpleString } from '@seshat/common';
import { disabled } from './cluster-commands.js';
import { sub } from './server-commands.js';
import type { SeshatServer } from './server.js';

const HELP = [
  'CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ADDSLOTS <slot> [<slot> ...]',
  '    Assign slots to current node.',
  'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Assign slots which are between <start-slot> and <end-slot> to current node.',
  'BUMPEPOCH',
  '    Advance the cluster config epoch.',
  'COUNT-FAILURE-REPORTS <node-id>',
  '    Return number of failure reports for <node-id>.',
  'COUNTKEYSINSLOT <slot>',
  '    Return the number of keys in <slot>.',
  'DELSLOTS <slot> [<slot> ...]',
  '    Delete slots information from current node.',
  'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
  'FAILOVER [FORCE|TAKEOVER]',
  '    Promote current replica node to being a master.',
  'FORGET <node-id>',
  '    Remove a node from the cluster.',
  'GETKEYSINSLOT <slot> <count>',
  '    Return key names stored by current node in a slot.',
  'FLUSHSLOTS',
  '    Delete current node own slots information.',
  'INFO',
  '    Return information about the cluster.',
  'KEYSLOT <key>',
  '    Return the hash slot for <key>.',
  'MEET <ip> <port> [<bus-port>]',
  '    Connect nodes into a working cluster.',
  'MYID',
  '    Return the node id.',
  'NODES',
  '    Return cluster configuration seen by node. Output format:',
  '    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
  'REPLICATE <node-id>',
  '    Configure current node as replica to <node-id>.',
  'RESET [HARD|SOFT]',
  '    Reset current node (default: soft).',
  'SET-CONFIG-EPOCH <epoch>',
  '    Set config epoch of current node.',
  'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)',
  '    Set slot state.',
  'REPLICAS <node-id>',
  '    Return <node-id> replicas.',
  'SAVECONFIG',
  '    Force saving cluster configuration on disk.',
  'SLOTS',
  '    Return information about slots range mappings. Each range is made of:',
  '    start, end, master and replicas IP addresses, ports and ids',
  'SHARDS',
  '    Return information about slot range mappings and the nodes associated with them.',
  'LINKS',
  '    Return information about all network links between this node and its peers.',
  '    Output format is an array where each array element is a map containing attributes of a link',
  'HELP',
  '    Print this help.',
].map((l) => new SimpleString(l));

sub(
  'cluster',
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    group: 'cluster',
    summary: 'Show helpful text about the different subcommands',
    since: '5.0.0',
  },
  (server: SeshatServer) => {
    if (server.cluster === null) throw disabled();
    return HELP;
  },
);

sub(
  'cluster',
  {
    name: 'keyslot',
    arity: 3,
    flags: 'stale',
    group: 'cluster',
    summary: 'Returns the hash slot of the specified key',
    since: '3.0.0',
  },
  (server: SeshatServer, _c, argv) => {
    if (server.cluster === null) throw disabled();
    return keyHashSlot(argv[2]!);
  },
);
