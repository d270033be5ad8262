/** Server-wide counters for INFO stats / commandstats / errorstats. */
export interface CommandStat {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

export class ServerStats {
  totalConnectionsReceived = 0;
  rejectedConnections = 0;
  totalCommandsProcessed = 0;
  totalErrorReplies = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  readonly commands = new Map<string, CommandStat>();
  readonly errors = new Map<string, number>();

  command(name: string): CommandStat {
    let s = this.commands.get(name);
    if (s === undefined) {
      s = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
      this.commands.set(name, s);
    }
    return s;
  }

  /** Counts an error reply by its code (the first word), as Redis's errorstats does. */
  error(message: string): void {
    this.totalErrorReplies++;
    const sp = message.indexOf(' ');
    const code = sp < 0 ? message : message.slice(0, sp);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  reset(): void {
    this.totalConnectionsReceived = 0;
    this.rejectedConnections = 0;
    this.totalCommandsProcessed = 0;
    this.totalErrorReplies = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.commands.clear();
    this.errors.clear();
  }
}
