/**
 * The node side of `/ws/node` (docs/protocol.md "Node socket"): register, heartbeat, run assigned jobs through a
 * handler within a concurrency limit, honour cancels, reconnect forever, drain gracefully. The one failure it
 * does not retry is a refused credential (401/403 at the upgrade): the same token would be refused again.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import {
  CAPABILITY_SCHEMA_VERSION,
  decodeNodeOutbound,
  describeRefusal,
  encodeNodeInbound,
  gatewayEndpoint,
  isCredentialRefusal,
  isUsableToken,
  upgradeCredential,
  type JobAssign,
  type JobCancel,
  type JobResult,
  type NodeControl,
  type NodeHeartbeat,
  type NodeInbound,
  type NodeRegister,
  type NodeRegisterAck,
  type NodeStatus,
} from '@lingua/protocol';
import { createBackoff, type Backoff, type BackoffOptions } from './backoff.js';
import { NodeAgentError } from './errors.js';
import {
  fileIdentityStore,
  memoryIdentityStore,
  type IdentityStore,
  type NodeIdentity,
} from './identity-store.js';
import { JobSlots, type RunningJob } from './job-slots.js';
import { readRefusalBody } from './refusal-body.js';
import { JobFailure, PROCESSING_ERROR, type JobHandler, type JobOutcome } from './job-types.js';
import { systemUsage, type UsageProbe } from './resource-usage.js';

/** The `node_register` body the agent sends; ids, token and capacity are filled in by the agent. */
export type NodeProfile = Omit<NodeRegister, 'type' | 'node_id' | 'node_token' | 'max_concurrent_jobs'>;

export interface NodeAgentOptions {
  /**
   * Gateway address, e.g. `ws://127.0.0.1:5010`; the path defaults to `/ws/node`. It may carry the gateway
   * credential as the `access_token` query parameter (see `token`).
   */
  url: string;
  /**
   * The gateway credential (a JWT of role `node`), sent as `Authorization: Bearer <token>` on every upgrade.
   * When both this and an `access_token` in `url` are given, this one wins: the URL's parameter is dropped (the
   * gateway refuses a request carrying both). A gateway that answers the upgrade 401 or 403 stops the agent with
   * an `AUTH_REJECTED` error instead of reconnecting.
   */
  token?: string;
  profile: NodeProfile;
  handler: JobHandler | JobHandler['handle'];
  /** Jobs run at once; advertised as ext `max_concurrent_jobs`. Default 4. */
  maxConcurrentJobs?: number;
  /** Default 15 000 ms (the gateway's liveness TTL assumes it). */
  heartbeatIntervalMs?: number;
  /** Reconnect delays; default 500 ms doubling to 30 s, half of each delay jittered. */
  backoff?: BackoffOptions;
  /** Where the node id and token live between connections. Default: in memory, or `stateFile` when given. */
  identityStore?: IdentityStore;
  /** Path of a JSON file holding the node id and token (ignored when `identityStore` is given). */
  stateFile?: string;
  /** Overrides parts of the heartbeat's `resource_usage` (GPU telemetry); `running_jobs` is always the agent's. */
  usage?: UsageProbe;
  /** How long a drain waits for in-flight jobs before aborting them. Default 30 000 ms. */
  drainTimeoutMs?: number;
  /** A socket that gets no ack within this time is dropped and retried. Default 15 000 ms. */
  registerTimeoutMs?: number;
  /** Drain when the process receives SIGTERM. Default true. */
  drainOnSigterm?: boolean;
  /** Randomness for backoff jitter (tests pin it). */
  random?: () => number;
}

export interface RegisteredEvent extends NodeIdentity {
  /** `status` of the ack (`registering` on a first ack). */
  status: string;
  /** How many times this agent has registered, this one included. */
  registrations: number;
}

export interface NodeAgentEvents {
  registered: [RegisteredEvent];
  status: [NodeStatus];
  /** An assignment was accepted and handed to the handler. */
  job: [JobAssign];
  /** A `job_result` was produced (sent now, or queued until the socket is back). */
  result: [JobResult];
  cancel: [JobCancel];
  control: [NodeControl];
  disconnected: [{ code: number; reason: string }];
  reconnecting: [{ attempt: number; delayMs: number }];
  /** A drain finished: no job is running and the socket is closed. */
  drained: [];
  /**
   * The agent stopped for good (`stop()`, the end of a drain, or a refused credential) and its socket is closed.
   * `error` says why when the agent stopped on its own (`AUTH_REJECTED`).
   */
  stopped: [{ error?: NodeAgentError }];
  /** Emitted only while someone listens: an agent without an `error` listener never throws from it. */
  error: [NodeAgentError];
}

export type ConnectionState = 'down' | 'connecting' | 'registering' | 'registered';
export type Lifecycle = 'idle' | 'running' | 'draining' | 'stopped';

const MAX_QUEUED_RESULTS = 1000;
const CLOSE_GRACE_MS = 2000;

export function nodeEndpoint(url: string): string {
  const u = new URL(url);
  const endpoint = gatewayEndpoint(u, '/ws/node');
  if (endpoint === undefined) {
    throw new NodeAgentError('INVALID_OPTIONS', `unsupported gateway URL scheme ${u.protocol}`, { url });
  }
  return endpoint;
}

export class NodeAgent extends EventEmitter<NodeAgentEvents> {
  /** The endpoint dialled (without `access_token` when a `token` option is given). */
  readonly url: string;
  private readonly upgradeHeaders: Record<string, string>;
  private readonly profile: NodeProfile;
  private readonly handle: JobHandler['handle'];
  private readonly heartbeatIntervalMs: number;
  private readonly drainTimeoutMs: number;
  private readonly registerTimeoutMs: number;
  private readonly drainOnSigterm: boolean;
  private readonly usage: UsageProbe | undefined;
  private readonly store: IdentityStore;
  private readonly backoff: Backoff;
  private readonly slots: JobSlots;

  private ws: WebSocket | undefined;
  private identity: NodeIdentity | undefined;
  private identityLoaded = false;
  private lifecycleState: Lifecycle = 'idle';
  private connectionState: ConnectionState = 'down';
  private registrations = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private registerTimer: NodeJS.Timeout | undefined;
  private queuedResults: JobResult[] = [];
  private drainPromise: Promise<void> | undefined;
  private firstRegistration: Promise<NodeIdentity> | undefined;
  private stopError: NodeAgentError | undefined;
  private settleFirst: { resolve(id: NodeIdentity): void; reject(err: Error): void } | undefined;
  private readonly onSigterm = () => {
    void this.drain('SIGTERM');
  };

  constructor(opts: NodeAgentOptions) {
    super();
    if (opts.token !== undefined && !isUsableToken(opts.token)) {
      throw new NodeAgentError('INVALID_OPTIONS', 'token must be a non-empty string without spaces');
    }
    const credential = upgradeCredential(nodeEndpoint(opts.url), opts.token);
    this.url = credential.url;
    this.upgradeHeaders = credential.headers;
    this.profile = opts.profile;
    const handler = opts.handler;
    this.handle = typeof handler === 'function' ? handler : (job, ctx) => handler.handle(job, ctx);
    const maxJobs = opts.maxConcurrentJobs ?? 4;
    requirePositiveInteger('maxConcurrentJobs', maxJobs);
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 15_000;
    requirePositiveInteger('heartbeatIntervalMs', this.heartbeatIntervalMs);
    this.drainTimeoutMs = opts.drainTimeoutMs ?? 30_000;
    this.registerTimeoutMs = opts.registerTimeoutMs ?? 15_000;
    requirePositiveInteger('registerTimeoutMs', this.registerTimeoutMs);
    this.drainOnSigterm = opts.drainOnSigterm ?? true;
    this.usage = opts.usage;
    this.store =
      opts.identityStore ??
      (opts.stateFile === undefined ? memoryIdentityStore() : fileIdentityStore(opts.stateFile));
    this.backoff = createBackoff(opts.backoff, opts.random);
    this.slots = new JobSlots(maxJobs);
  }

  /** The node id the gateway assigned (after the first ack, or loaded from the identity store). */
  get nodeId(): string | undefined {
    return this.identity?.nodeId;
  }

  get connection(): ConnectionState {
    return this.connectionState;
  }

  get lifecycle(): Lifecycle {
    return this.lifecycleState;
  }

  get runningJobs(): number {
    return this.slots.size;
  }

  /**
   * Connects (and keeps reconnecting). Resolves with the identity of the first registration; rejects if the
   * agent is stopped before it ever registers, or with `AUTH_REJECTED` if the gateway refuses the credential.
   */
  start(): Promise<NodeIdentity> {
    if (this.firstRegistration !== undefined) return this.firstRegistration;
    this.firstRegistration = new Promise<NodeIdentity>((resolve, reject) => {
      this.settleFirst = { resolve, reject };
    });
    // Callers that never await start() must not see an unhandled rejection when the agent is stopped.
    this.firstRegistration.catch(() => undefined);
    this.lifecycleState = 'running';
    if (this.drainOnSigterm) process.on('SIGTERM', this.onSigterm);
    void this.connect();
    return this.firstRegistration;
  }

  /**
   * Stops taking jobs (new assignments are answered NODE_UNAVAILABLE), lets in-flight jobs finish (aborting
   * them after `drainTimeoutMs`), delivers their results, then closes the socket for good.
   */
  drain(reason = 'drain'): Promise<void> {
    if (this.drainPromise !== undefined) return this.drainPromise;
    if (this.lifecycleState === 'stopped' || this.lifecycleState === 'idle') {
      this.drainPromise = this.shutdown(1000, reason);
      return this.drainPromise;
    }
    this.lifecycleState = 'draining';
    this.drainPromise = (async () => {
      const deadline = Date.now() + this.drainTimeoutMs;
      const abortTimer = setTimeout(
        () => this.slots.cancelAll(new NodeAgentError('STOPPED', 'drain timed out')),
        this.drainTimeoutMs,
      );
      await this.slots.idle();
      clearTimeout(abortTimer);
      if (this.queuedResults.length > 0) await this.untilFlushed(deadline);
      await this.shutdown(1000, reason);
      this.emit('drained');
    })();
    return this.drainPromise;
  }

  /** Aborts running jobs and closes at once, without waiting for results. */
  async stop(): Promise<void> {
    this.slots.cancelAll(new NodeAgentError('STOPPED', 'agent stopped'));
    await this.shutdown(1000, 'stopped');
  }

  /** Reports a node-level problem to the gateway (`node_error`). Dropped while not registered. */
  reportError(code: string, message: string, details?: Record<string, unknown>): void {
    const nodeId = this.identity?.nodeId;
    if (nodeId === undefined) return;
    this.send(
      details === undefined
        ? { type: 'node_error', node_id: nodeId, code, message }
        : { type: 'node_error', node_id: nodeId, code, message, details },
    );
  }

  // ---- connection -------------------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (!this.identityLoaded) {
      this.identityLoaded = true;
      try {
        this.identity = await this.store.load();
      } catch (err) {
        this.emitError(asAgentError(err, 'IDENTITY_STORE'));
      }
    }
    if (this.lifecycleState === 'stopped') return;
    this.connectionState = 'connecting';
    const ws = new WebSocket(this.url, {
      headers: this.upgradeHeaders,
      handshakeTimeout: this.registerTimeoutMs,
      perMessageDeflate: false,
    });
    this.ws = ws;
    // Set once the upgrade got an HTTP answer instead of a socket: aborting that handshake makes `ws` report an
    // error of its own, which would only repeat what was already reported.
    let answered = false;
    ws.on('unexpected-response', (_req, res) => {
      answered = true;
      const status = res.statusCode;
      if (ws === this.ws && isCredentialRefusal(status)) {
        this.onCredentialRefused(ws, status, res);
        return;
      }
      // Any other answer (503 while the gateway drains, a proxy's 502) is a failed attempt, retried with backoff.
      if (ws === this.ws) {
        this.emitError(
          new NodeAgentError('SOCKET_ERROR', `Unexpected server response: ${status ?? 'none'}`, { status }),
        );
      }
      ws.terminate();
    });
    ws.on('open', () => {
      if (ws === this.ws) this.onOpen(ws);
    });
    ws.on('message', (data) => {
      if (ws === this.ws) this.onFrame(data);
    });
    ws.on('close', (code, reason) => {
      if (ws === this.ws) this.onClose(code, reason.toString());
    });
    ws.on('error', (err) => {
      if (ws === this.ws && !answered)
        this.emitError(new NodeAgentError('SOCKET_ERROR', err.message, undefined, { cause: err }));
    });
  }

  /**
   * The gateway refused the credential. Retrying with the same token cannot succeed, so the agent stops: running
   * jobs are aborted, results not yet delivered are dropped, `start()` rejects and `error` and `stopped` report
   * why. The socket is detached at once so that its close does not schedule a reconnect.
   */
  private onCredentialRefused(ws: WebSocket, status: 401 | 403, res: IncomingMessage): void {
    this.ws = undefined;
    this.clearConnectionTimers();
    this.connectionState = 'down';
    void readRefusalBody(res).then((body) => {
      ws.terminate();
      if (this.lifecycleState === 'stopped') return;
      const { reason, message } = describeRefusal(status, body);
      const err = new NodeAgentError(
        'AUTH_REJECTED',
        message,
        reason === undefined ? { status } : { status, reason },
      );
      this.stopError = err;
      this.settleFirst?.reject(err);
      this.settleFirst = undefined;
      this.emitError(err);
      this.queuedResults = [];
      this.slots.cancelAll(err);
      void this.shutdown(1000, 'credential refused');
    });
  }

  private onOpen(ws: WebSocket): void {
    this.connectionState = 'registering';
    const register: NodeRegister = {
      ...this.profile,
      type: 'node_register',
      capability_schema_version: this.profile.capability_schema_version ?? CAPABILITY_SCHEMA_VERSION,
      max_concurrent_jobs: this.slots.capacity,
    };
    if (this.identity !== undefined) {
      register.node_id = this.identity.nodeId;
      if (this.identity.nodeToken !== undefined) register.node_token = this.identity.nodeToken;
    }
    this.send(register);
    this.registerTimer = setTimeout(() => {
      this.emitError(new NodeAgentError('SOCKET_ERROR', 'no node_register_ack in time; reconnecting'));
      ws.terminate();
    }, this.registerTimeoutMs);
  }

  private onClose(code: number, reason: string): void {
    this.clearConnectionTimers();
    this.ws = undefined;
    this.connectionState = 'down';
    this.emit('disconnected', { code, reason });
    if (this.lifecycleState === 'stopped') return;
    const delayMs = this.backoff.next();
    this.emit('reconnecting', { attempt: this.backoff.attempts, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delayMs);
  }

  private async shutdown(code: number, reason: string): Promise<void> {
    const stopsNow = this.lifecycleState !== 'stopped';
    if (stopsNow) {
      this.lifecycleState = 'stopped';
      process.off('SIGTERM', this.onSigterm);
      this.settleFirst?.reject(new NodeAgentError('STOPPED', 'agent stopped before it registered'));
      this.settleFirst = undefined;
    }
    this.clearConnectionTimers();
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.closeSocket(code, reason);
    if (stopsNow) this.emit('stopped', this.stopError === undefined ? {} : { error: this.stopError });
  }

  private async closeSocket(code: number, reason: string): Promise<void> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    if (ws.readyState === WebSocket.OPEN) {
      ws.close(code, reason);
      const force = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(force);
    } else {
      ws.terminate();
      await closed;
    }
  }

  private clearConnectionTimers(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    if (this.registerTimer !== undefined) clearTimeout(this.registerTimer);
    this.heartbeatTimer = undefined;
    this.registerTimer = undefined;
  }

  private send(msg: NodeInbound): boolean {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encodeNodeInbound(msg));
    return true;
  }

  // ---- inbound frames ---------------------------------------------------------------------------------------

  private onFrame(data: WebSocket.RawData): void {
    const decoded = decodeNodeOutbound(data as Buffer | ArrayBuffer | Buffer[]);
    if (!decoded.ok) {
      this.emitError(
        new NodeAgentError('INVALID_FRAME', decoded.error.message, { path: decoded.error.path }),
      );
      return;
    }
    const msg = decoded.msg;
    switch (msg.type) {
      case 'node_register_ack':
        this.onAck(msg);
        return;
      case 'node_status':
        this.emit('status', msg);
        return;
      case 'job_assign':
        this.onAssign(msg);
        return;
      case 'job_cancel':
        this.slots.cancel(
          msg.job_id,
          new NodeAgentError('STOPPED', `job cancelled: ${msg.reason ?? 'no reason'}`),
        );
        this.emit('cancel', msg);
        return;
      case 'node_control':
        this.emit('control', msg);
        if (msg.command === 'drain' || msg.command === 'shutdown') void this.drain(msg.reason ?? msg.command);
        return;
      case 'error':
        this.onGatewayError(msg.code, msg.message, msg.details);
        return;
    }
  }

  private onAck(ack: NodeRegisterAck): void {
    if (this.registerTimer !== undefined) clearTimeout(this.registerTimer);
    this.registerTimer = undefined;
    const previous = this.identity;
    // The gateway issues a token only on the first ack of an id; later acks of the same id omit it.
    const nodeToken = ack.node_token ?? (previous?.nodeId === ack.node_id ? previous.nodeToken : undefined);
    const identity: NodeIdentity =
      nodeToken === undefined ? { nodeId: ack.node_id } : { nodeId: ack.node_id, nodeToken };
    this.identity = identity;
    if (previous?.nodeId !== identity.nodeId || previous.nodeToken !== identity.nodeToken) {
      this.store.save(identity).catch((err: unknown) => this.emitError(asAgentError(err, 'IDENTITY_STORE')));
    }
    this.connectionState = 'registered';
    this.registrations++;
    this.backoff.reset();
    this.sendHeartbeat();
    this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), this.heartbeatIntervalMs);
    this.flushResults();
    this.emit('registered', { ...identity, status: ack.status, registrations: this.registrations });
    this.settleFirst?.resolve(identity);
    this.settleFirst = undefined;
  }

  private onGatewayError(code: string, message: string, details: Record<string, unknown> | undefined): void {
    // A token the gateway no longer accepts would be refused forever: register afresh as a new node next time.
    if (code === 'UNAUTHORIZED' && this.connectionState === 'registering') this.identity = undefined;
    this.emitError(
      new NodeAgentError('GATEWAY_ERROR', `${code}: ${message}`, { gatewayCode: code, details }),
    );
  }

  private sendHeartbeat(): void {
    const nodeId = this.identity?.nodeId;
    if (nodeId === undefined) return;
    const heartbeat: NodeHeartbeat = {
      type: 'node_heartbeat',
      node_id: nodeId,
      timestamp: Date.now(),
      resource_usage: { ...systemUsage(), ...this.usage?.(), running_jobs: this.slots.size },
      installed_services: this.profile.installed_services ?? [],
      capability_by_type: this.profile.capability_by_type,
    };
    if (this.profile.language_capabilities !== undefined) {
      heartbeat.language_capabilities = this.profile.language_capabilities;
    }
    this.send(heartbeat);
  }

  // ---- jobs -------------------------------------------------------------------------------------------------

  private onAssign(job: JobAssign): void {
    // The existing agent drops assignments that overtake the ack; the gateway never sends them.
    if (this.connectionState !== 'registered') return;
    if (this.lifecycleState === 'draining') {
      this.deliver(job, failure('NODE_UNAVAILABLE', 'node is draining'), Date.now());
      return;
    }
    const admission = this.slots.admit(job);
    if (admission.ok) {
      void this.run(admission.running);
      return;
    }
    switch (admission.reason) {
      case 'duplicate':
        return;
      case 'attempt_conflict':
        this.deliver(
          job,
          failure(PROCESSING_ERROR, `DUPLICATE_JOB_ID ${job.job_id} is already running`),
          Date.now(),
        );
        return;
      case 'full':
        this.deliver(
          job,
          failure('NODE_OVERLOADED', `node runs ${this.slots.size} of ${this.slots.capacity} jobs`),
          Date.now(),
        );
        return;
    }
  }

  private async run(running: RunningJob): Promise<void> {
    const { job, controller } = running;
    const ctx = {
      signal: controller.signal,
      partial: (text: string, isFinal: boolean) => {
        const nodeId = this.identity?.nodeId;
        if (nodeId === undefined || controller.signal.aborted || !this.slots.isCurrent(running)) return;
        this.send({
          type: 'asr_partial',
          job_id: job.job_id,
          node_id: nodeId,
          session_id: job.session_id,
          utterance_index: job.utterance_index,
          text,
          is_final: isFinal,
          trace_id: job.trace_id,
        });
      },
    };
    this.emit('job', job);
    let outcome: JobOutcome | undefined;
    try {
      outcome = await this.handle(job, ctx);
    } catch (err) {
      // A cancelled job owes no result: the gateway has already moved on.
      if (!controller.signal.aborted) outcome = failureFrom(err);
    }
    this.slots.release(running);
    if (outcome !== undefined) this.deliver(job, outcome, running.startedAt);
  }

  private deliver(job: JobAssign, outcome: JobOutcome, startedAt: number): void {
    const now = Date.now();
    const result: JobResult = {
      ...outcome,
      type: 'job_result',
      job_id: job.job_id,
      attempt_id: job.attempt_id,
      node_id: this.identity?.nodeId ?? '',
      session_id: job.session_id,
      utterance_index: job.utterance_index,
      trace_id: job.trace_id,
      processing_time_ms: outcome.processing_time_ms ?? now - startedAt,
      node_completed_at_ms: outcome.node_completed_at_ms ?? now,
    };
    if (result.group_id === undefined && job.group_id !== undefined) result.group_id = job.group_id;
    if (result.part_index === undefined && job.part_index !== undefined) result.part_index = job.part_index;
    if (this.connectionState !== 'registered' || !this.send(result)) this.queueResult(result);
    this.emit('result', result);
  }

  private queueResult(result: JobResult): void {
    if (this.queuedResults.length >= MAX_QUEUED_RESULTS) {
      const dropped = this.queuedResults.shift();
      this.emitError(
        new NodeAgentError(
          'SOCKET_ERROR',
          `result queue full; dropped result of job ${dropped?.job_id ?? '?'}`,
        ),
      );
    }
    this.queuedResults.push(result);
  }

  private flushResults(): void {
    const nodeId = this.identity?.nodeId ?? '';
    const queued = this.queuedResults;
    this.queuedResults = [];
    for (const r of queued) {
      if (!this.send({ ...r, node_id: nodeId })) this.queuedResults.push(r);
    }
  }

  private untilFlushed(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off('registered', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      this.on('registered', done);
    });
  }

  private emitError(err: NodeAgentError): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new NodeAgentError('INVALID_OPTIONS', `${name} must be a positive integer, got ${String(value)}`);
  }
}

function failure(code: string, message: string): JobOutcome {
  return { success: false, error: { code, message } };
}

function failureFrom(err: unknown): JobOutcome {
  if (err instanceof JobFailure) {
    return {
      success: false,
      error:
        err.details === undefined
          ? { code: err.code, message: err.message }
          : { code: err.code, message: err.message, details: err.details },
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return failure(PROCESSING_ERROR, message);
}

function asAgentError(err: unknown, code: 'IDENTITY_STORE'): NodeAgentError {
  return err instanceof NodeAgentError
    ? err
    : new NodeAgentError(code, err instanceof Error ? err.message : String(err), undefined, { cause: err });
}
