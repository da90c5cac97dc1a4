/**
 * Acknowledging `{s}:out` entries (results kept for a resume) once the client has them. The session protocol has
 * no client acks, so the WebSocket itself serves: a ping follows the frames on the same ordered stream, and its
 * pong proves the client's socket read everything before it. Only then are the entries deleted (XDEL). A
 * connection that dies earlier leaves them in place and a resume replays them. The deletes themselves are batched
 * by the store (`SessionOut.ack`).
 *
 * Every frame written in one synchronous burst, and the ping that follows any of them that carries an entry, leave
 * in one write (the socket is held corked until the burst ends, ws/send.ts `holdBurst`): the client reads them
 * together and answers the ping before anything else can happen on its side, so a frame the client read is (all
 * but) never replayed, and one it did not read always is. The cork also spares a syscall per frame (a result is
 * three frames: ASR_FINAL, NMT_DONE, translation_result), which on a busy instance is a fifth of its CPU.
 */
import { WebSocket } from 'ws';
import { holdBurst } from '../ws/send.js';

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

  /**
   * Call before writing any frame; `outId` when it carries a `{s}:out` entry. The socket is held corked for the
   * rest of this burst, and the ping that acknowledges the entries is written just before it is uncorked.
   */
  writing(outId?: string): void {
    if (outId !== undefined) this.sent.push(outId);
    if (this.scheduled) return;
    this.scheduled = true;
    holdBurst(this.ws, () => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const ids = this.sent;
    this.sent = [];
    if (ids.length === 0 || this.ws.readyState !== WebSocket.OPEN) return;
    const token = `ack${++this.counter}`;
    try {
      this.ws.ping(token);
      this.awaiting.set(token, ids);
    } catch {
      // closing: the entries stay for a resume
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
