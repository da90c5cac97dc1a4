/**
 * WebSocket upgrade routing for the gateway's one HTTP server: `ws` runs in `noServer` mode and this router
 * decides per request path which endpoint gets the socket, refuses upgrades while the instance is not ready or
 * draining, from a browser origin the endpoint does not allow (403) or from a client address that already holds
 * its maximum of sockets on this instance (429), optionally authorizes the request (a plain HTTP 401/403 before
 * any WebSocket exists), and puts every accepted socket under ping/pong dead-peer detection. The cheap checks
 * come first so that a flood of refused upgrades never reaches token verification.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { AuthResult } from '../auth/verifier.js';
import type { Principal } from '../auth/principal.js';
import type { Endpoint, Metrics, UpgradeRejection } from '../metrics.js';
import { normalizeAddress } from './client-address.js';
import { KeyedLimit } from './keyed-limit.js';
import { LivenessMonitor } from './liveness.js';
import type { OriginAllowList } from './origin-allow-list.js';

/**
 * `principal`: who the upgrade was admitted as; undefined only when the router runs without `authorize`.
 * `client`: the client address of the request (see `clientAddress`).
 */
export type EndpointHandler = (
  ws: WebSocket,
  req: IncomingMessage,
  principal: Principal | undefined,
  client: string,
) => void;

export interface RouteOptions {
  /** Browser origins allowed on this endpoint; any when omitted. */
  allowedOrigins?: OriginAllowList;
}

/** Whether new sockets are accepted right now. */
export type Admission = 'open' | 'not_ready' | 'draining';

export interface UpgradeRouterOptions {
  maxFrameBytes: number;
  wsPingIntervalMs: number;
  metrics: Metrics;
  logger: Logger;
  admission: () => Admission;
  /**
   * Decides whether the request may open a socket on endpoint `kind` (e.g. an AuthVerifier's `verify`). On
   * success the endpoint handler receives the principal.
   */
  authorize?: (req: IncomingMessage, kind: Endpoint) => Promise<AuthResult>;
  /** How long `authorize` may take before the upgrade is refused with 503 (default 10 s). */
  authorizeTimeoutMs?: number;
  /** The client address of a request (default: its TCP peer). */
  clientAddress?: (req: IncomingMessage) => string;
  /** Open sockets per client address, every endpoint together (0 or omitted = unlimited). */
  maxConnectionsPerAddress?: number;
}

const DEFAULT_AUTHORIZE_TIMEOUT_MS = 10_000;

interface Route {
  endpoint: Endpoint;
  handler: EndpointHandler;
  liveness: LivenessMonitor;
  allowedOrigins: OriginAllowList | undefined;
}

/** What an upgrade carries from check to check. */
interface Upgrade {
  route: Route;
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  address: string;
}

export class UpgradeRouter {
  private readonly wss: WebSocketServer;
  private readonly routes = new Map<string, Route>();
  private readonly perAddress: KeyedLimit;

  constructor(private readonly opts: UpgradeRouterOptions) {
    this.perAddress = new KeyedLimit(opts.maxConnectionsPerAddress ?? 0);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  route(path: string, endpoint: Endpoint, handler: EndpointHandler, options: RouteOptions = {}): void {
    const liveness = new LivenessMonitor(this.opts.wsPingIntervalMs, () => {
      this.opts.metrics.ws.deadPeers.inc({ endpoint });
    });
    this.routes.set(path, { endpoint, handler, liveness, allowedOrigins: options.allowedOrigins });
  }

  start(): void {
    for (const r of this.routes.values()) r.liveness.start();
  }

  stop(): void {
    for (const r of this.routes.values()) r.liveness.stop();
  }

  /** The liveness monitor of an endpoint (tests drive its ticks; drain counts its sockets). */
  liveness(endpoint: Endpoint): LivenessMonitor | undefined {
    for (const r of this.routes.values()) if (r.endpoint === endpoint) return r.liveness;
    return undefined;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const route = this.routes.get(path);
    if (!route) {
      this.rejected('unknown_path');
      return refuse(socket, 404, 'Not Found');
    }
    if (!this.admits(socket)) return;
    const client = this.opts.clientAddress?.(req) ?? normalizeAddress(req.socket.remoteAddress ?? '');
    const up: Upgrade = { route, req, socket, head, address: client };
    if (route.allowedOrigins !== undefined && !route.allowedOrigins.admits(req)) {
      this.refuseUpgrade(up, 'origin_forbidden', 403, 'Forbidden', 'origin_not_allowed');
      return;
    }
    // The slot is held until the TCP socket closes, whatever happens to the upgrade meanwhile.
    const release = this.perAddress.tryAcquire(client);
    if (release === undefined) {
      this.refuseUpgrade(up, 'too_many_connections', 429, 'Too Many Requests', 'too_many_connections');
      return;
    }
    socket.once('close', release);
    if (this.opts.authorize === undefined) return this.accept(up);
    this.authorizeThenAccept(this.opts.authorize, up).catch((err: unknown) => {
      this.opts.logger.error({ err, endpoint: route.endpoint }, 'upgrade failed after authorization');
      socket.destroy();
    });
  }

  /** Refuses with 503 (and counts why) unless the instance accepts sockets right now. */
  private admits(socket: Duplex): boolean {
    const admission = this.opts.admission();
    if (admission === 'open') return true;
    this.rejected(admission);
    refuse(socket, 503, 'Service Unavailable');
    return false;
  }

  private rejected(reason: UpgradeRejection): void {
    this.opts.metrics.ws.rejectedUpgrades.inc({ reason });
  }

  private refuseUpgrade(
    up: Upgrade,
    reason: UpgradeRejection,
    status: 403 | 429,
    text: string,
    body: string,
  ): void {
    this.rejected(reason);
    this.opts.logger.debug({ endpoint: up.route.endpoint, reason, peer: up.address }, 'upgrade refused');
    refuse(up.socket, status, text, body);
  }

  /**
   * Runs `authorize`, then accepts or refuses. While it runs the socket belongs to nobody (the HTTP server
   * let go of it, `ws` has not taken it yet): an error listener keeps a reset from crashing the process, a
   * socket the client reset or half-closed meanwhile is destroyed without an answer, a verification that
   * outlives the timeout gets 503, and admission is asked again afterwards because the instance may have
   * started draining meanwhile.
   */
  private async authorizeThenAccept(
    authorize: NonNullable<UpgradeRouterOptions['authorize']>,
    up: Upgrade,
  ): Promise<void> {
    const { req, socket } = up;
    const { endpoint } = up.route;
    const onError = (err: Error): void =>
      this.opts.logger.debug({ err, endpoint }, 'socket error during upgrade');
    socket.on('error', onError);
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.opts.authorizeTimeoutMs ?? DEFAULT_AUTHORIZE_TIMEOUT_MS;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    let result: AuthResult | 'timeout' | 'error';
    try {
      result = await Promise.race([authorize(req, endpoint), timedOut]);
    } catch (err) {
      this.opts.logger.error({ err, endpoint }, 'upgrade authorization threw');
      result = 'error';
    } finally {
      clearTimeout(timer);
    }
    socket.off('error', onError);
    if (socket.destroyed || !socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    if (result === 'timeout' || result === 'error') {
      this.rejected(result === 'timeout' ? 'auth_timeout' : 'auth_error');
      return refuse(socket, 503, 'Service Unavailable');
    }
    if (!result.ok) {
      this.rejected(result.status === 401 ? 'unauthorized' : 'forbidden');
      this.opts.logger.debug(
        { endpoint, reason: result.reason, peer: up.address },
        'upgrade refused by authorization',
      );
      return refuse(
        socket,
        result.status,
        result.status === 401 ? 'Unauthorized' : 'Forbidden',
        result.reason,
      );
    }
    if (!this.admits(socket)) return;
    this.accept(up, result.principal);
  }

  private accept(up: Upgrade, principal?: Principal): void {
    const { route, req, socket, head, address } = up;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const { endpoint } = route;
      this.opts.metrics.ws.accepted.inc({ endpoint });
      this.opts.metrics.ws.connections.inc({ endpoint });
      ws.once('close', () => this.opts.metrics.ws.connections.dec({ endpoint }));
      // Without a listener an 'error' (e.g. a frame over maxPayload) would crash the process.
      ws.on('error', (err) => this.opts.logger.debug({ err, endpoint }, 'websocket error'));
      route.liveness.track(ws);
      try {
        route.handler(ws, req, principal, address);
      } catch (err) {
        this.opts.logger.error({ err, endpoint }, 'socket handler threw; closing socket');
        ws.close(1011, 'internal error');
      }
    });
  }
}

/**
 * Answers the upgrade with a plain HTTP response and closes the socket once it is flushed, without waiting
 * for the peer's side of the close (the server allows half-open sockets; a peer that never closes would keep
 * it). A write error (the peer reset meanwhile) just destroys it: nobody else listens on this socket. A 401
 * carries a Bearer challenge; refusals by authorization, origin or connection limit name their reason code in the
 * body.
 */
function refuse(socket: Duplex, status: 401 | 403 | 404 | 429 | 503, text: string, reason?: string): void {
  const body = reason === undefined ? '' : `${reason}\n`;
  const challenge =
    status === 401
      ? `WWW-Authenticate: Bearer realm="lingua-gateway"${reason === 'missing_token' ? '' : ', error="invalid_token"'}\r\n`
      : '';
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${challenge}` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
