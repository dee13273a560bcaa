import { isColdStart, xrayTraceId } from './invocation';
import { writeLine } from './log-output';

/**
 * Structured JSON logs, one line per entry. Callers pass decisions, reasons and ids:
 * never a key, a digest or an Authorization value, and never request headers. Inside a
 * handler's invocation each line also says whether it belongs to the cold start
 * (`coldStart`) and carries the invocation's X-Ray trace id (`xrayTraceId`) when there is one.
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
  const level = options.level ?? levelFromEnv();
  const sink = options.sink ?? writeLine;
  const write = (entryLevel: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (!isLevelEnabled(entryLevel, level)) return;
    const coldStart = isColdStart(service);
    const traceId = xrayTraceId();
    sink(
      JSON.stringify({
        level: entryLevel,
        time: new Date().toISOString(),
        service,
        message,
        ...(coldStart === undefined ? {} : { coldStart }),
        ...(traceId === undefined ? {} : { xrayTraceId: traceId }),
        ...fields,
      }),
    );
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** Whether an entry at `entry` is written when the threshold is `threshold`. */
export function isLevelEnabled(entry: LogLevel, threshold: LogLevel): boolean {
  return ORDER[entry] >= ORDER[threshold];
}

/**
 * The level Lambda's logging controls set (`AWS_LAMBDA_LOG_LEVEL`: TRACE … FATAL) or else
 * `LOG_LEVEL`; `info` when neither names a level.
 */
export function levelFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LogLevel {
  return parseLevel(env.AWS_LAMBDA_LOG_LEVEL) ?? parseLevel(env.LOG_LEVEL) ?? 'info';
}

function parseLevel(raw: string | undefined): LogLevel | undefined {
  const value = raw?.trim().toLowerCase();
  if (value === 'trace') return 'debug';
  if (value === 'fatal') return 'error';
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : undefined;
}

/** Describes an error for a log line without its stack or any request data. */
export function describeError(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: 'NonError', errorMessage: String(error) };
}
