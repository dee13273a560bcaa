/**
 * Structured JSON logs, one line per entry. Callers pass decisions, reasons and ids:
 * never a key, a digest or an Authorization value, and never request headers.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogSink = (line: string) => void;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(service: string, options: { level?: LogLevel; sink?: LogSink } = {}): Logger {
  const level = options.level ?? parseLevel(process.env.LOG_LEVEL);
  const sink = options.sink ?? ((line: string) => process.stdout.write(line + '\n'));
  const write = (entryLevel: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[entryLevel] < ORDER[level]) return;
    sink(JSON.stringify({ level: entryLevel, time: new Date().toISOString(), service, message, ...fields }));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

function parseLevel(raw: string | undefined): LogLevel {
  const value = raw?.toLowerCase();
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'info';
}

/** Describes an error for a log line without its stack or any request data. */
export function describeError(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: 'NonError', errorMessage: String(error) };
}
