/** Writing frames to a socket: one JSON text frame per message, never to a socket that is not open. */
import { WebSocket } from 'ws';

export function sendJson(ws: WebSocket, frame: unknown): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return true;
}

/** An `error` frame as both sockets define it; `path` goes to `details.path` (INVALID_MESSAGE). */
export function errorFrame(
  code: string,
  message: string,
  details?: Record<string, unknown>,
): { type: 'error'; code: string; message: string; details?: Record<string, unknown> } {
  return details === undefined ? { type: 'error', code, message } : { type: 'error', code, message, details };
}
