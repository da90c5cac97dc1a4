/**
 * WebSocket upgrade routing for the gateway's one HTTP server: `ws` runs in `noServer` mode and this router
 * decides per request path which endpoint gets the socket, refuses upgrades while the instance is not ready or
 * draining, and puts every accepted socket under ping/pong dead-peer detection.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Endpoint, Metrics } from '../metrics.js';
import { LivenessMonitor } from './liveness.js';

export type EndpointHandler = (ws: WebSocket, req: IncomingMessage) => void;

/** Whether new sockets are accepted right now. */
export type Admission = 'open' | 'not_ready' | 'draining';

export interface UpgradeRouterOptions {
  maxFrameBytes: number;
  wsPingIntervalMs: number;
  metrics: Metrics;
  logger: Logger;
  admission: () => Admission;
}

interface Route {
  endpoint: Endpoint;
  handler: EndpointHandler;
  liveness: LivenessMonitor;
}

export class UpgradeRouter {
  private readonly wss: WebSocketServer;
  private readonly routes = new Map<string, Route>();

  constructor(private readonly opts: UpgradeRouterOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  route(path: string, endpoint: Endpoint, handler: EndpointHandler): void {
    const liveness = new LivenessMonitor(this.opts.wsPingIntervalMs, () => {
      this.opts.metrics.ws.deadPeers.inc({ endpoint });
    });
    this.routes.set(path, { endpoint, handler, liveness });
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
      this.opts.metrics.ws.rejectedUpgrades.inc({ reason: 'unknown_path' });
      return refuse(socket, 404, 'Not Found');
    }
    const admission = this.opts.admission();
    if (admission !== 'open') {
      this.opts.metrics.ws.rejectedUpgrades.inc({ reason: admission });
      return refuse(socket, 503, 'Service Unavailable');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const { endpoint } = route;
      this.opts.metrics.ws.accepted.inc({ endpoint });
      this.opts.metrics.ws.connections.inc({ endpoint });
      ws.once('close', () => this.opts.metrics.ws.connections.dec({ endpoint }));
      // Without a listener an 'error' (e.g. a frame over maxPayload) would crash the process.
      ws.on('error', (err) => this.opts.logger.debug({ err, endpoint }, 'websocket error'));
      route.liveness.track(ws);
      try {
        route.handler(ws, req);
      } catch (err) {
        this.opts.logger.error({ err, endpoint }, 'socket handler threw; closing socket');
        ws.close(1011, 'internal error');
      }
    });
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
