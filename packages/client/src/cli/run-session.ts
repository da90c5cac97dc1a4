/** One CLI session: connect, stream every utterance in 256 ms chunks at the chosen pace, wait, report. */
import { setImmediate as yieldToLoop, setTimeout as delay } from 'node:timers/promises';
import { CHUNK_MS, chunkUtterance } from '../audio/chunker.js';
import { TARGET_SAMPLE_RATE } from '../audio/pcm.js';
import { ClientError } from '../errors.js';
import { SessionClient } from '../session-client.js';
import type { ClientCliOptions } from './args.js';
import type { SessionReport } from './stats.js';

export interface SessionRun {
  readonly client: SessionClient;
  /** Utterances finalized so far. */
  sent(): number;
  readonly done: Promise<SessionReport>;
}

export function startSession(
  label: string,
  utterances: readonly Int16Array[],
  opts: ClientCliOptions,
  print: (line: string) => void,
): SessionRun {
  const twoWay = opts.mode === 'two_way_auto';
  const client = new SessionClient({
    url: opts.url,
    ...(opts.token === undefined ? {} : { token: opts.token }),
    srcLang: twoWay ? 'auto' : opts.srcLang,
    tgtLang: twoWay ? (opts.langB ?? opts.tgtLang) : opts.tgtLang,
    mode: opts.mode,
    ...(twoWay ? { langA: opts.langA ?? opts.srcLang, langB: opts.langB ?? opts.tgtLang } : {}),
    audioFormat: opts.format === 'pcm16' ? 'pcm16' : 'opus',
    sampleRate: TARGET_SAMPLE_RATE,
    enableStreamingAsr: opts.streamingAsr,
  });
  let sent = 0;
  let reconnects = 0;
  let resumeFailures = 0;
  const errorCodes: string[] = [];

  const since = (sessionId: string, index: number) => {
    const at = client.utterances.get(sessionId, index)?.finalizedAt;
    return at === undefined ? '' : ` +${Date.now() - at}ms`;
  };
  client.on('ack', (a) =>
    print(`[${label}] session ${a.session_id}${a.resumed === true ? ' (resumed)' : ''}`),
  );
  client.on('partial', (p) =>
    print(
      `[${label}] #${p.utterance_index} partial${since(p.session_id, p.utterance_index)} ${JSON.stringify(p.text)}`,
    ),
  );
  client.on('result', (r) =>
    print(
      `[${label}] #${r.utterance_index} result${since(r.session_id, r.utterance_index)} ` +
        `asr=${JSON.stringify(r.text_asr)} → ${JSON.stringify(r.text_translated)}`,
    ),
  );
  client.on('missing', (m) =>
    print(
      `[${label}] #${m.utterance_index} missing${since(m.session_id, m.utterance_index)} reason=${m.reason}`,
    ),
  );
  client.on('error', (e) => {
    if (e.code !== 'GATEWAY_ERROR' && e.code !== 'AUTH_REJECTED') return;
    errorCodes.push(e.gateway?.code ?? e.code);
    print(`[${label}] error ${e.message}`);
  });
  client.on('reconnecting', (r) => {
    reconnects++;
    print(`[${label}] reconnecting in ${r.delayMs} ms (attempt ${r.attempt})`);
  });
  client.on('resume_failed', (f) => {
    resumeFailures++;
    print(`[${label}] could not resume ${f.previousSessionId}; new session ${f.sessionId}`);
  });

  const emptyReport = (): SessionReport => ({
    connected: false,
    sessionIds: [],
    sent: 0,
    resolved: 0,
    results: 0,
    missing: 0,
    unresolved: 0,
    duplicates: 0,
    errorCodes,
    latenciesMs: [],
    reconnects,
    resumeFailures,
  });

  const done = (async (): Promise<SessionReport> => {
    const sessionIds = new Set<string>();
    client.on('ack', (a) => sessionIds.add(a.session_id));
    try {
      await client.connect();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof ClientError && err.code === 'AUTH_REJECTED') errorCodes.push(err.code);
      print(`[${label}] could not open a session: ${message}`);
      return { ...emptyReport(), connectError: message };
    }
    // The client closes on its own only when the gateway refuses the credential of a reconnect.
    let gaveUp = false;
    client.once('closed', ({ error }) => (gaveUp = error !== undefined));
    stream: for (const samples of utterances) {
      for (const chunk of chunkUtterance(samples, { format: opts.format, sampleRate: TARGET_SAMPLE_RATE })) {
        if (gaveUp) break stream;
        client.sendAudio(chunk);
        if (opts.speed > 0) await delay(CHUNK_MS / opts.speed);
        else await yieldToLoop();
      }
      if (gaveUp) break;
      client.finalize();
      sent++;
      if (opts.gapMs > 0) await delay(opts.gapMs);
    }
    try {
      await client.waitForAllResolved(opts.timeoutMs);
    } catch (err) {
      // A refused credential on reconnect ends the session early: report what arrived until then.
      if (!(err instanceof ClientError) || (err.code !== 'TIMEOUT' && err.code !== 'AUTH_REJECTED'))
        throw err;
    }
    await client.close();
    const t = client.utterances;
    const latenciesMs = t
      .records()
      .filter((r) => r.result !== undefined && r.finalizedAt !== undefined && r.resolvedAt !== undefined)
      .map((r) => (r.resolvedAt as number) - (r.finalizedAt as number));
    return {
      connected: true,
      sessionIds: [...sessionIds],
      sent,
      resolved: t.resolvedCount,
      results: client.results.length,
      missing: client.missing.length,
      unresolved: t.unresolved().length,
      duplicates: t.duplicates,
      errorCodes,
      latenciesMs,
      reconnects,
      resumeFailures,
    };
  })();

  return { client, sent: () => sent, done };
}
