/**
 * Redis's CMD_MAY_REPLICATE: commands that are not writes but whose effects reach replicas
 * (a script's writes, PFCOUNT's cached cardinality, a PUBLISH). Redis hides the flag from
 * COMMAND INFO (server.c: "Hidden on purpose"), so the command table, built from COMMAND INFO's
 * flags, does not carry it; this list is 7.0.15's (src/commands/*.json with MAY_REPLICATE).
 * CLIENT PAUSE WRITE holds these, and read-only scripts may not call them.
 */
import type { CommandSpec } from './command-table.js';

const MAY_REPLICATE = new Set(['eval', 'evalsha', 'fcall', 'pfcount', 'publish', 'spublish']);

/** Whether Redis flags `spec` WRITE or MAY_REPLICATE. */
export function writesOrMayReplicate(spec: CommandSpec): boolean {
  return spec.flags.includes('write') || MAY_REPLICATE.has(spec.name);
}
