/** A bad `LINGUA_*` variable: the gateway refuses to start and names it (never its value when it is secret). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIG';
  /** The offending variable, e.g. `LINGUA_PORT`. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}
