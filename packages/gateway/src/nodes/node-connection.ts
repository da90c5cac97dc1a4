/**
 * One `/ws/node` socket: decodes frames, serialises register/heartbeat/close handling per socket (one promise
 * chain, so a close can never overtake the registration it must undo), and hands job frames to the job side
 * once the register ack was sent.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket, RawData } from 'ws';
import type { NodeInbound, NodeOutbound } from '@lingua/protocol';
import type { GatewayContext } from '../context.js';
import type { InboundGate } from '../ws/inbound-gate.js';
import { errorFrame, sendJson } from '../ws/send.js';

export class NodeConnection {
  readonly peer: string;
  private readonly gate: InboundGate;
  private chain: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly ws: WebSocket,
    req: IncomingMessage,
  ) {
    this.peer = req.socket.remoteAddress ?? '';
    this.gate = ctx.newInboundGate();
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.once('close', () => {
      this.closing ??= this.enqueue(() => this.onClose());
    });
  }

  send(frame: NodeOutbound): boolean {
    return sendJson(this.ws, frame);
  }

  /** Resolves once this socket's close has been fully handled. */
  closed(): Promise<void> {
    return this.closing ?? new Promise((resolve) => this.ws.once('close', () => resolve(this.closed())));
  }

  async close(code: number, reason: string): Promise<void> {
    this.ws.close(code, reason);
    await this.closed();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const admitted = this.gate.admit(data, isBinary);
    if (!admitted.ok) {
      if (admitted.reply) this.sendError(admitted.code, admitted.message);
      return;
    }
    const decoded = this.ctx.decoders.decodeNodeFrame(admitted.text);
    if (!decoded.ok) {
      const { code, message, path } = decoded.error;
      this.sendError(code, message, { path });
      return;
    }
    this.dispatch(decoded.msg);
  }

  private dispatch(msg: NodeInbound): void {
    switch (msg.type) {
      default:
        this.sendError('INVALID_MESSAGE', `${msg.type} before node_register_ack`, { path: '/type' });
    }
  }

  private async onClose(): Promise<void> {
    // Registration removal lands with the register flow.
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn).catch((err: unknown) => {
      this.ctx.logger.error({ err, peer: this.peer }, 'node socket handler failed');
    });
    this.chain = next;
    return next;
  }

  private sendError(code: string, message: string, details?: Record<string, unknown>): void {
    this.ctx.metrics.errors.inc({ endpoint: 'node', code });
    sendJson(this.ws, errorFrame(code, message, details));
  }
}
