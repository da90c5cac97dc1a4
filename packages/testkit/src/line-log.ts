import type { Readable } from 'node:stream';

/** Appends a stream's output to `lines`, one entry per line (a trailing partial line on end). */
export function collectLines(
  stream: Readable | null,
  lines: string[],
  onLine?: (line: string) => void,
): void {
  if (stream === null) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      onLine?.(line);
    }
  });
  stream.on('end', () => {
    if (pending !== '') {
      lines.push(pending);
      onLine?.(pending);
    }
  });
}
