/**
 * What a script's commands show outside the state machine, on the node that applies (or
 * reads) them: MONITOR's `[<db> lua]` lines and PUBLISH's deliveries. The server sets one on
 * the state machine (KvStateMachine.scriptObserver); without one, scripts run as before and
 * PUBLISH is refused as a command scripts may not call.
 */
export interface ScriptObserver {
  /** redis.call / redis.pcall is about to run `argv` in logical database `db`. */
  command(db: number, argv: readonly Buffer[]): void;
  /**
   * PUBLISH from a script: delivers `message` on `channel` to this node's subscribers and
   * returns the count the script sees. The count must be the same on every replica that
   * applies the script (the server answers for that: see seshat script-observer.ts).
   */
  publish(channel: Buffer, message: Buffer): number;
}
