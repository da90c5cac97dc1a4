/** Writing frames to a socket: one JSON text frame per message, never to a socket that is not open. */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/**
 * Sends one frame. The first frame a socket gets in a synchronous burst goes out at once; from the second on (the
 * job_assigns one inbox read brings for a node) the socket is corked until the next tick, which runs before the
 * loop polls again, so the rest leave in one write and nothing waits for a timer. `holdBurst` corks from the
 * first frame instead.
 */
export function sendJson(ws: WebSocket, frame: unknown): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  const burst = bursts.get(ws);
  if (burst) cork(ws, burst);
  else startBurst(ws);
  ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return true;
}

/**
 * Corks `ws` from now to the end of this burst, so every frame of it leaves in one write; `beforeEnd` runs just
 * before the uncork, so what it writes (a ping) joins that write.
 */
export function holdBurst(ws: WebSocket, beforeEnd?: () => void): void {
  const burst = bursts.get(ws) ?? startBurst(ws);
  cork(ws, burst);
  if (beforeEnd) (burst.beforeEnd ??= []).push(beforeEnd);
}

interface Burst {
  /** The corked socket, once corked. */
  socket?: Socket;
  beforeEnd?: (() => void)[];
}

/** Sockets written to in the current burst. */
const bursts = new WeakMap<WebSocket, Burst>();

function startBurst(ws: WebSocket): Burst {
  const burst: Burst = {};
  bursts.set(ws, burst);
  process.nextTick(() => {
    bursts.delete(ws);
    for (const f of burst.beforeEnd ?? []) f();
    burst.socket?.uncork();
  });
  return burst;
}

function cork(ws: WebSocket, burst: Burst): void {
  if (burst.socket) return;
  // `_socket` is ws's underlying net.Socket; without it each frame is simply its own write.
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket || socket.destroyed) return;
  socket.cork();
  burst.socket = socket;
}

/** An `error` frame as both sockets define it; `path` goes to `details.path` (INVALID_MESSAGE). */
export function errorFrame(
  code: string,
  message: string,
  details?: Record<string, unknown>,
): { type: 'error'; code: string; message: string; details?: Record<string, unknown> } {
  return details === undefined ? { type: 'error', code, message } : { type: 'error', code, message, details };
}
