/**
 * The server's side of kv's ScriptObserver: a script's commands go to MONITOR as `[<db> lua]`
 * lines, and its PUBLISH reaches this node's subscribers. Every node that applies the script
 * delivers to its own subscribers, so in a cluster a script's message reaches subscribers on
 * every member (a client's own PUBLISH stays on the node it reaches, pubsub.ts). The count a
 * script sees is this node's, like Redis Cluster's PUBLISH reply; kv refuses writes after it in
 * the same script, so the count can never make replicas differ.
 */
import type { ScriptObserver } from '@seshat/kv';
import type { SeshatServer } from './server.js';

export class ServerScriptObserver implements ScriptObserver {
  constructor(private readonly server: SeshatServer) {}

  command(db: number, argv: readonly Buffer[]): void {
    const monitors = this.server.monitors;
    if (monitors.size > 0) monitors.feedScript(db, argv, this.server.clock.nowMs());
  }

  publish(channel: Buffer, message: Buffer): number {
    return this.server.pubsub.publish(channel, message);
  }
}
