/**
 * Acknowledging `{s}:out` entries (results kept for a resume) once the client has them. The session protocol has
 * no client acks, so the WebSocket itself serves: after frames go out, a ping follows them on the same ordered
 * stream, and its pong proves the client's socket read everything before it. Only then are the entries deleted
 * (XDEL). A connection that dies earlier leaves them in place and a resume replays them; one that dies between
 * the client reading a frame and its pong leaving can replay that frame once more — the window is one round trip.
 *
 * Frames written within one event-loop turn share one ping (and one XDEL).
 */
import { WebSocket } from 'ws';

export class OutAcks {
  private sent: string[] = [];
  private readonly awaiting = new Map<string, string[]>();
  private scheduled = false;
  private counter = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly ack: (outIds: string[]) => void,
  ) {
    ws.on('pong', (data: Buffer) => this.onPong(data));
  }

  /** Outstanding entries (sent, not yet acknowledged). */
  get pending(): number {
    let n = this.sent.length;
    for (const ids of this.awaiting.values()) n += ids.length;
    return n;
  }

  /** A frame carrying `outId` was just written to the socket. */
  written(outId: string): void {
    this.sent.push(outId);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.sent.length === 0 || this.ws.readyState !== WebSocket.OPEN) return;
    const token = `ack${++this.counter}`;
    this.awaiting.set(token, this.sent);
    this.sent = [];
    try {
      this.ws.ping(token);
    } catch {
      this.awaiting.delete(token);
    }
  }

  private onPong(data: Buffer): void {
    const token = data.toString();
    const ids = this.awaiting.get(token);
    if (ids === undefined) return; // a liveness ping's pong
    this.awaiting.delete(token);
    this.ack(ids);
  }
}
