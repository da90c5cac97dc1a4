/**
 * Value checks for command-line flags, shared by the peers' CLIs (`lingua-client`, `lingua-node-sim`, …). Each
 * CLI parses its argv with `util.parseArgs` and reads the strings through these; a bad value becomes the CLI's
 * own typed error, made by `invalid`, so each package keeps its error class and codes.
 */
import { gatewayEndpoint } from './gateway-endpoint.js';
import { isUsableToken } from './upgrade-credential.js';

export interface FlagReaders {
  /** A whole number written in digits, at least `min`. */
  integer(flag: string, raw: string, min: number): number;
  /** Any finite number, at least `min`. */
  number(flag: string, raw: string, min: number): number;
  /** A number in [0, 1]. */
  probability(flag: string, raw: string): number;
  /** One of `choices`, verbatim. */
  choice<const T extends string>(flag: string, raw: string, choices: readonly T[]): T;
  /** A language code as the protocol carries it (a letter, then letters, digits or `-`; at most 16). */
  lang(flag: string, raw: string): string;
  /** Comma-separated language codes, at least one; blanks around commas are dropped. */
  langList(flag: string, raw: string): string[];
  /** A gateway address: ws(s):// (http(s):// is accepted too); returned as given. */
  gatewayUrl(flag: string, raw: string): string;
  /**
   * A gateway credential (JWT), as given on the command line or read from a file: surrounding whitespace (a
   * file's trailing newline) is dropped. The error never repeats the value: it is a secret.
   */
  token(flag: string, raw: string): string;
}

const LANG_CODE = /^[A-Za-z][A-Za-z0-9-]{0,15}$/;

export function flagReaders(invalid: (message: string) => Error): FlagReaders {
  const got = (raw: string) => `got ${JSON.stringify(raw)}`;
  const decimal = (raw: string) => {
    const n = Number(raw);
    return raw.trim() === '' || !Number.isFinite(n) ? undefined : n;
  };
  const lang = (flag: string, raw: string) => {
    if (!LANG_CODE.test(raw)) throw invalid(`${flag}: ${JSON.stringify(raw)} is not a language code`);
    return raw;
  };
  return {
    integer(flag, raw, min) {
      const n = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
        throw invalid(`${flag} must be an integer >= ${min}, ${got(raw)}`);
      }
      return n;
    },
    number(flag, raw, min) {
      const n = decimal(raw);
      if (n === undefined || n < min) throw invalid(`${flag} must be a number >= ${min}, ${got(raw)}`);
      return n;
    },
    probability(flag, raw) {
      const n = decimal(raw);
      if (n === undefined || n < 0 || n > 1) {
        throw invalid(`${flag} must be a number between 0 and 1, ${got(raw)}`);
      }
      return n;
    },
    choice<const T extends string>(flag: string, raw: string, choices: readonly T[]): T {
      const found = choices.find((c) => c === raw);
      if (found !== undefined) return found;
      const names =
        choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}` : choices.join('');
      throw invalid(`${flag} must be ${names}, ${got(raw)}`);
    },
    lang,
    langList(flag, raw) {
      const langs = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (langs.length === 0) throw invalid(`${flag} needs at least one language code`);
      for (const l of langs) lang(flag, l);
      return langs;
    },
    gatewayUrl(flag, raw) {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw invalid(`${flag} ${JSON.stringify(raw)} is not a URL`);
      }
      if (gatewayEndpoint(u, '/') === undefined) {
        throw invalid(`${flag} must be a ws:// or wss:// address, ${got(raw)}`);
      }
      return raw;
    },
    token(flag, raw) {
      const token = raw.trim();
      if (!isUsableToken(token)) {
        throw invalid(
          token === ''
            ? `${flag} is empty`
            : `${flag} must be one token without spaces or control characters`,
        );
      }
      return token;
    },
  };
}
