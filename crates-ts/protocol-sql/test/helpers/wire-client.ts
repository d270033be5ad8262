// A raw protocol client for wire-level tests: connects, optionally runs the startup, sends
// frontend messages (built by pg-protocol's serializer or by hand) and collects backend
// messages split by their length words, until a given number of ReadyForQuery messages, an
// end of connection, or a time bound. Knows nothing of the server under test.
//
// Exports:
//   WireClient.connect(port)           socket connected
//   client.startup(params?)            StartupMessage, then messages up to ReadyForQuery / close
//   client.send(...buffers)
//   client.until(readyCount)           messages until that many more ReadyForQuery (or close)
//   client.closed()                    resolves when the server closed the connection
//   client.looseByte()                 waits for the 'N' / 'S' answer to an SSL or GSS request
//   RawMessage {type: string, body: Buffer}
import net from 'node:net';
import { serialize } from 'pg-protocol';

export interface RawMessage {
  type: string;
  body: Buffer;
}

const WAIT_MAX_MS = 10_000;

export class WireClient {
  private buf = Buffer.alloc(0);
  private readonly messages: RawMessage[] = [];
  private ended = false;
  private wake: (() => void) | null = null;
  /** Bytes that arrived without a message frame (the single-byte SSL answer). */
  loose: Buffer[] = [];
  expectLooseByte = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new WireClient(s)));
      s.once('error', reject);
    });
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    if (this.expectLooseByte && this.buf.length > 0) {
      this.loose.push(this.buf.subarray(0, 1));
      this.buf = this.buf.subarray(1);
      this.expectLooseByte = false;
    }
    while (this.buf.length >= 5) {
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < 1 + len) break;
      this.messages.push({ type: String.fromCharCode(this.buf[0]!), body: this.buf.subarray(5, 1 + len) });
      this.buf = this.buf.subarray(1 + len);
    }
    this.wake?.();
  }

  send(...parts: (Buffer | Uint8Array)[]): void {
    this.socket.write(Buffer.concat(parts.map((p) => Buffer.from(p))));
  }

  /** Waits until `pred` holds over the collected messages or the connection ends. */
  private async wait(pred: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MAX_MS;
    while (!pred() && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`wire client timed out; got ${this.messages.map((m) => m.type).join('')}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      this.wake = null;
    }
  }

  /** Messages until `count` more ReadyForQuery (or the connection ends); they are consumed. */
  async until(count: number): Promise<RawMessage[]> {
    const seen = () => this.messages.filter((m) => m.type === 'Z').length;
    await this.wait(() => seen() >= count);
    let taken = 0;
    let n = 0;
    for (; n < this.messages.length && taken < count; n++) if (this.messages[n]!.type === 'Z') taken++;
    return this.messages.splice(0, this.ended && taken < count ? this.messages.length : n);
  }

  async startup(
    params: Record<string, string> = { user: 'postgres', database: 'postgres' },
  ): Promise<RawMessage[]> {
    this.send(serialize.startup(params));
    return this.until(1);
  }

  /** Waits for the single-byte answer to SSLRequest / GSSENCRequest. */
  async looseByte(): Promise<void> {
    await this.wait(() => this.loose.length > 0);
  }

  async closed(): Promise<RawMessage[]> {
    await this.wait(() => false);
    return this.messages.splice(0);
  }

  isClosed(): boolean {
    return this.ended;
  }

  end(): void {
    this.socket.destroy();
  }
}

/** ErrorResponse / NoticeResponse fields by code letter. */
export function errorFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = 0; at < body.length && body[at] !== 0; ) {
    const nul = body.indexOf(0, at + 1);
    out[String.fromCharCode(body[at]!)] = body.toString('utf8', at + 1, nul);
    at = nul + 1;
  }
  return out;
}
