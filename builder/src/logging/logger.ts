// JSON service logs (SPEC §7), used by every layer (HTTP requests, builds, notifications): one object per line with ts, level, msg, and the build id
// or request fields where there are some. Written to a stream handed in (stdout in serve).
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  clock?: () => Date;
}

/** Serialises one log event; errors become {name, message} since JSON.stringify drops them. */
export function buildLogLine(ts: Date, level: LogLevel, msg: string, fields: LogFields = {}): string {
  const out: LogFields = { ts: ts.toISOString(), level, msg };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
  }
  return JSON.stringify(out);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? (() => new Date());
  const emit = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (ORDER[level] >= min) write(buildLogLine(clock(), level, msg, fields));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
