/** Command line of `lingua-client`. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { flagReaders, type SessionMode } from '@lingua/protocol';
import { ClientError } from '../errors.js';
import type { WireAudioFormat } from '../audio/chunker.js';

export const USAGE = `Usage: lingua-client [options]

Opens one or more sessions on a Lingua gateway (/ws/session), streams speech in 256 ms audio chunks, ends each
utterance with {is_final:true, payload:""}, and prints partials and results with their latency (from the end of
the utterance to its result). Exits 0 when every utterance resolved, 1 when any did not, 2 on bad arguments.

Audio (pick one):
  --wav <file>            stream a WAV file as one utterance (any PCM/float WAV; resampled to 16 kHz mono)
  --generate <n>          stream n generated speech-like utterances (default 3)

Options:
  --url <ws-url>          gateway address (default ws://127.0.0.1:5010; path /ws/session is added)
  --token <jwt>           gateway credential (a JWT of role session), sent by every session as
                          Authorization: Bearer; the gateway requires one unless it runs with LINGUA_AUTH=off.
                          Wins over an access_token in --url. Prefer --token-file: argv is visible to others.
                          A refused credential (401/403) is not retried: the session fails
  --token-file <path>     read the credential from a file (surrounding whitespace dropped)
  --src <lang>            source language (default en; "auto" allowed)
  --tgt <lang>            target language (default zh)
  --mode <mode>           one_way | two_way_auto (default one_way)
  --lang-a <lang>         two_way_auto: first language (default --src)
  --lang-b <lang>         two_way_auto: second language (default --tgt)
  --sessions <n>          concurrent sessions, each streaming the same audio (default 1)
  --ramp-ms <ms>          spread session starts over this time (default 0)
  --format <f>            pcm16 (default; sent with ext audio_format:"pcm16", sample_rate:16000) or
                          opus-plan-a: 20 ms pcm16 frames wrapped in Opus Plan A framing. A framing test mode,
                          NOT real Opus: only the simulator (which counts packets) can "decode" it.
  --speed <x>             pacing: 1 = real time (default), 2 = twice as fast, 0 = as fast as possible
  --utterance-ms <ms>     length of each generated utterance (default 2000)
  --gap-ms <ms>           silence after each utterance's final frame, as a speaker pauses (default 400, not
                          scaled by --speed: the gateway needs it to tell the next utterance's first chunk
                          from a trailing one)
  --streaming-asr         ask for asr_partial messages (enable_streaming_asr)
  --timeout-ms <ms>       how long to wait for results after the last utterance (default 30000)
  --seed <n>              seed of the generated audio (default 1)
  --json                  print one JSON summary on stdout instead of the transcript
  --quiet                 print only the summary
  --no-progress           no progress bar (it is drawn on stderr only when stderr is a terminal)
  -h, --help              show this help
`;

export interface ClientCliOptions {
  url: string;
  /** Gateway credential for every session (see `SessionClientOptions.token`). */
  token?: string;
  wav?: string;
  generate: number;
  srcLang: string;
  tgtLang: string;
  mode: SessionMode;
  langA?: string;
  langB?: string;
  sessions: number;
  rampMs: number;
  format: WireAudioFormat;
  speed: number;
  utteranceMs: number;
  gapMs: number;
  streamingAsr: boolean;
  timeoutMs: number;
  seed: number;
  json: boolean;
  quiet: boolean;
  progress: boolean;
}

export type ClientCommand = { kind: 'help' } | { kind: 'run'; options: ClientCliOptions };

export function parseClientArgs(argv: string[]): ClientCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string', default: 'ws://127.0.0.1:5010' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        wav: { type: 'string' },
        generate: { type: 'string' },
        src: { type: 'string', default: 'en' },
        tgt: { type: 'string', default: 'zh' },
        mode: { type: 'string', default: 'one_way' },
        'lang-a': { type: 'string' },
        'lang-b': { type: 'string' },
        sessions: { type: 'string', default: '1' },
        'ramp-ms': { type: 'string', default: '0' },
        format: { type: 'string', default: 'pcm16' },
        speed: { type: 'string', default: '1' },
        'gap-ms': { type: 'string', default: '400' },
        'utterance-ms': { type: 'string', default: '2000' },
        'streaming-asr': { type: 'boolean', default: false },
        'timeout-ms': { type: 'string', default: '30000' },
        seed: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        'no-progress': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.wav !== undefined && values.generate !== undefined)
    throw invalid('use either --wav or --generate');
  const mode: SessionMode = flag.choice('--mode', values.mode, ['one_way', 'two_way_auto']);
  const format: WireAudioFormat = flag.choice('--format', values.format, ['pcm16', 'opus-plan-a']);
  const speed = flag.number('--speed', values.speed, 0);
  const options: ClientCliOptions = {
    url: flag.gatewayUrl('--url', values.url),
    generate: values.generate === undefined ? 3 : flag.integer('--generate', values.generate, 1),
    srcLang: flag.lang('--src', values.src),
    tgtLang: flag.lang('--tgt', values.tgt),
    mode,
    sessions: flag.integer('--sessions', values.sessions, 1),
    rampMs: flag.integer('--ramp-ms', values['ramp-ms'], 0),
    format,
    speed,
    utteranceMs: flag.integer('--utterance-ms', values['utterance-ms'], 300),
    gapMs: flag.integer('--gap-ms', values['gap-ms'], 0),
    streamingAsr: values['streaming-asr'],
    timeoutMs: flag.integer('--timeout-ms', values['timeout-ms'], 1),
    seed: flag.integer('--seed', values.seed, 0),
    json: values.json,
    quiet: values.quiet,
    progress: !values['no-progress'],
  };
  if (values.wav !== undefined) options.wav = values.wav;
  if (values['lang-a'] !== undefined) options.langA = flag.lang('--lang-a', values['lang-a']);
  if (values['lang-b'] !== undefined) options.langB = flag.lang('--lang-b', values['lang-b']);
  const token = readToken(values.token, values['token-file']);
  if (token !== undefined) options.token = token;
  return { kind: 'run', options };
}

/** `--token`, or the content of `--token-file`; giving both is a mistake, not a choice. */
function readToken(token: string | undefined, file: string | undefined): string | undefined {
  if (token !== undefined && file !== undefined) throw invalid('use either --token or --token-file');
  if (token !== undefined) return flag.token('--token', token);
  if (file === undefined) return undefined;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(`--token-file: ${(err as Error).message}`);
  }
  return flag.token('--token-file', content);
}

function invalid(message: string): ClientError {
  return new ClientError('INVALID_OPTIONS', message);
}

const flag = flagReaders(invalid);
