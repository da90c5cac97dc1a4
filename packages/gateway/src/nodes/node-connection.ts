/**
 * One `/ws/node` socket. Decodes frames, runs register / heartbeat / close one at a time (one promise chain per
 * socket, so a close can never overtake the registration it must undo, nor a heartbeat a move), and hands job
 * frames to the job side once the register ack went out. Invalid frames get an `error` and change nothing; so
 * does every frame but `node_register` before the registration. A socket that has not sent `node_register`
 * within LINGUA_INIT_TIMEOUT_MS is closed with 4008. What the node writes (`node_error`) reaches the log cut to
 * size and rate-limited per socket.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket, type RawData } from 'ws';
import type { NodeInbound, NodeOutbound, NodeStatusValue } from '@lingua/protocol';
import type { Principal } from '../auth/principal.js';
import type { NodeDeps } from './node-deps.js';
import type { NodeConnectionInfo } from './node-socket.js';
import type { InboundGate } from '../ws/inbound-gate.js';
import { InitDeadline, INIT_TIMEOUT_CLOSE } from '../ws/init-deadline.js';
import { PeerLog } from '../ws/peer-log.js';
import { errorFrame, sendJson } from '../ws/send.js';
import { handleHeartbeat } from './node-heartbeat.js';
import { unregisterNode } from './node-offline.js';
import { registerNode } from './node-register.js';
import type { NodePhase, NodeRegistration, NodeSocketHandle } from './node-registration.js';

/** Close codes the gateway uses on node sockets. */
export const NodeCloseCode = Object.freeze({
  /** Registration refused (schema, GPU, conflict, ...). */
  REJECTED: 4000,
  /** A newer registration of the same node id replaced this socket. */
  FENCED: 4001,
  /** Redis failed while registering. */
  DEPENDENCY_DOWN: 1011,
  /** No `node_register` within LINGUA_INIT_TIMEOUT_MS. */
  INIT_TIMEOUT: INIT_TIMEOUT_CLOSE,
});

export class NodeConnection implements NodeSocketHandle, NodeConnectionInfo {
  reg: NodeRegistration | undefined;
  phase: NodePhase = 'new';
  private readonly gate: InboundGate;
  private readonly peerLog: PeerLog;
  private readonly deadline: InitDeadline;
  private chain: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(
    readonly ctx: NodeDeps,
    readonly ws: WebSocket,
    /** Who the upgrade was admitted as: which node ids this socket may register. */
    readonly principal: Principal,
    /** The client address of the upgrade (see ws/client-address.ts). */
    readonly peer: string,
  ) {
    this.gate = ctx.newInboundGate();
    this.peerLog = new PeerLog(ctx.logger);
    this.deadline = new InitDeadline(
      ctx.config.initTimeoutMs,
      () => (this.phase === 'new' ? 'waiting' : this.phase === 'registering' ? 'busy' : 'done'),
      () => this.initTimedOut(),
    );
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.once('close', () => {
      this.deadline.clear();
      this.peerLog.flush();
      this.closing ??= this.enqueue(() => this.onClose());
    });
  }

  // ---- RegisteredNode / NodeConnectionInfo (valid once registered) ----
  get nodeId(): string {
    return this.reg?.nodeId ?? '';
  }
  get epoch(): number {
    return this.reg?.epoch ?? 0;
  }
  get poolId(): string {
    return this.reg?.placement.poolId ?? '';
  }
  get shard(): number {
    return this.reg?.shard ?? -1;
  }
  get status(): string {
    return this.reg?.status ?? 'registering';
  }

  send(frame: NodeOutbound): boolean {
    return sendJson(this.ws, frame);
  }

  isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Pings the socket and resolves whether a pong came back within `timeoutMs` (is the old socket really alive?). */
  probe(timeoutMs: number): Promise<boolean> {
    if (!this.isOpen()) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (alive: boolean): void => {
        clearTimeout(timer);
        this.ws.off('pong', onPong);
        resolve(alive);
      };
      const onPong = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.ws.on('pong', onPong);
      try {
        this.ws.ping();
      } catch {
        done(false);
      }
    });
  }

  /** A newer registration of this node id took over: close without touching Redis (the successor owns it now). */
  fence(reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'fenced';
    this.sendError('NODE_ID_CONFLICT', `registration replaced: ${reason}`);
    this.ws.close(NodeCloseCode.FENCED, 'replaced by a newer registration');
  }

  /** Resolves once this socket's close has been fully handled (registration removed). */
  closed(): Promise<void> {
    if (this.closing) return this.closing;
    return new Promise((resolve) => this.ws.once('close', () => resolve(this.closed())));
  }

  async close(code: number, reason: string): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return this.closed();
    this.ws.close(code, reason);
    // A peer that never answers the close handshake must not hold up a shutdown.
    const hard = setTimeout(() => this.ws.terminate(), 2_000);
    await this.closed();
    clearTimeout(hard);
  }

  /** Refuses the registration: error frame, then close. */
  reject(code: string, message: string, details?: Record<string, unknown>): void {
    this.phase = 'rejected';
    this.ctx.metrics.nodes.registrations.inc({ outcome: code });
    this.sendError(code, message, details);
    this.ws.close(
      code === 'SCHEDULER_DEPENDENCY_DOWN' ? NodeCloseCode.DEPENDENCY_DOWN : NodeCloseCode.REJECTED,
      code,
    );
  }

  sendError(code: string, message: string, details?: Record<string, unknown>): void {
    this.ctx.metrics.errors.inc({ endpoint: 'node', code });
    sendJson(this.ws, errorFrame(code, message, details));
  }

  /** Records a status change locally and tells the node (`node_status`). */
  setStatus(status: NodeStatusValue, reason: string): void {
    const reg = this.reg;
    if (!reg || reg.status === status) return;
    if (this.phase === 'registered') {
      this.ctx.metrics.nodes.byStatus.dec({ status: reg.status });
      this.ctx.metrics.nodes.byStatus.inc({ status });
    }
    reg.status = status;
    this.send({ type: 'node_status', node_id: reg.nodeId, status, reason, timestamp: Date.now() });
  }

  /** Runs `fn` after everything queued on this socket so far. */
  enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn).catch((err: unknown) => {
      this.ctx.logger.error({ err, nodeId: this.reg?.nodeId, peer: this.peer }, 'node socket handler failed');
    });
    this.chain = next;
    return next;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const receivedAt = performance.now();
    const admitted = this.gate.admit(data, isBinary);
    if (!admitted.ok) {
      if (admitted.reply) this.sendError(admitted.code, admitted.message);
      return;
    }
    const decoded = this.ctx.decoders.decodeNodeFrame(admitted.text);
    // Only real results ride on the results' budget; anything else that looked like one pays the main one.
    if (admitted.reserved && !(decoded.ok && decoded.msg.type === 'job_result')) {
      const refused = this.gate.recharge(admitted.bytes);
      if (refused) {
        if (refused.reply) this.sendError(refused.code, refused.message);
        return;
      }
    }
    if (!decoded.ok) {
      const { code, message, path } = decoded.error;
      this.sendError(code, message, { path });
      return;
    }
    this.dispatch(decoded.msg, receivedAt);
  }

  private dispatch(msg: NodeInbound, receivedAt: number): void {
    switch (msg.type) {
      case 'node_register':
        if (this.phase !== 'new') {
          this.sendError('INVALID_MESSAGE', 'node_register: this socket already registered', {
            path: '/type',
          });
          return;
        }
        this.phase = 'registering';
        void this.enqueue(() => registerNode(this, msg, receivedAt));
        return;
      case 'node_heartbeat':
        if (!this.requireRegistered(msg.type)) return;
        void this.enqueue(() => handleHeartbeat(this, msg, receivedAt));
        return;
      case 'node_error':
        if (this.phase !== 'registered') {
          this.sendError('INVALID_MESSAGE', 'node_error: node_register first', { path: '/type' });
          return;
        }
        this.peerLog.warn(
          { nodeId: this.nodeId, code: msg.code, message: msg.message, details: msg.details },
          'node reported an error',
        );
        return;
      case 'job_ack':
      case 'job_started':
      case 'asr_partial':
      case 'job_result':
        if (!this.requireRegistered(msg.type)) return;
        if (msg.node_id !== this.nodeId) {
          this.sendError('INVALID_MESSAGE', `${msg.type}: node_id is not this socket's node`, {
            path: '/node_id',
          });
          return;
        }
        try {
          this.ctx.jobs.onNodeJobFrame(this, msg);
        } catch (err) {
          this.ctx.logger.error(
            { err, nodeId: this.nodeId, type: msg.type },
            'job side threw on a node frame',
          );
        }
        return;
    }
  }

  /** No registration within LINGUA_INIT_TIMEOUT_MS: told why, then closed. */
  private initTimedOut(): void {
    this.phase = 'rejected';
    this.ctx.metrics.ws.closedByGateway.inc({ endpoint: 'node', reason: 'init_timeout' });
    this.sendError(
      'INVALID_MESSAGE',
      `no node_register within ${this.ctx.config.initTimeoutMs} ms; closing`,
      { path: '/type' },
    );
    this.ws.close(NodeCloseCode.INIT_TIMEOUT, 'node_register timeout');
  }

  private requireRegistered(type: string): boolean {
    if (this.phase === 'registered') return true;
    this.sendError('INVALID_MESSAGE', `${type} before node_register_ack`, { path: '/type' });
    return false;
  }

  private async onClose(): Promise<void> {
    const was = this.phase;
    this.phase = 'closed';
    if (was === 'registered' && this.reg) {
      this.ctx.metrics.nodes.byStatus.dec({ status: this.reg.status });
      this.ctx.nodes.delete(this);
      await unregisterNode(this.ctx, this, 'close');
    } else if (was === 'fenced' && this.reg) {
      this.ctx.metrics.nodes.byStatus.dec({ status: this.reg.status });
      this.ctx.nodes.delete(this);
      this.ctx.metrics.nodes.offline.inc({ reason: 'fenced' });
    }
  }
}
