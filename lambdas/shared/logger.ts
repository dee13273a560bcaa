import { invocationNumber, isColdStart, xrayTraceId } from './invocation';
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

export interface LoggerOptions {
  /** @default levelFromEnv() */
  readonly level?: LogLevel;
  /** @default stdout, through log-output.ts */
  readonly sink?: LogSink;
  /** Share of invocations whose debug lines are written whatever the level, 0 to 1. @default debugSampleRateFromEnv() */
  readonly debugSampleRate?: number;
  /** Draws the sampling decision, in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/**
 * Powertools for AWS Lambda's variable for debug-log sampling: the share of invocations (0 to 1)
 * whose debug lines are written whatever the level, so an operator sees the whole of a few
 * requests without turning debug on for all.
 */
export const DEBUG_SAMPLE_RATE_VARIABLE = 'POWERTOOLS_LOGGER_SAMPLE_RATE';

/** Whether an invalid sampling rate was reported (once per container). */
let invalidRateReported = false;

export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? levelFromEnv();
  const sink = options.sink ?? writeLine;
  const sampleRate = options.debugSampleRate ?? debugSampleRateFromEnv();
  const random = options.random ?? Math.random;
  if (sampleRate === undefined && !invalidRateReported) {
    invalidRateReported = true;
    sink(
      JSON.stringify({
        level: 'warn',
        time: new Date().toISOString(),
        service,
        message: `environment variable ${DEBUG_SAMPLE_RATE_VARIABLE} is not a number from 0 to 1: debug lines are not sampled`,
      }),
    );
  }
  const write = (entryLevel: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    const sampled = sampleRate !== undefined && sampleRate > 0 && isDebugSampled(service, sampleRate, random);
    // A sampled invocation logs at debug, as Powertools Logger's sampling does: every line of it.
    if (!isLevelEnabled(entryLevel, sampled ? 'debug' : level)) return;
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
        ...(sampled ? { debugSampled: true } : {}),
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

/** Each service's sampling decision for its current invocation, shared by all its loggers. */
const sampledInvocations = new Map<string, { readonly invocation: number; readonly sampled: boolean }>();

/**
 * Whether `service`'s current invocation writes its debug lines: drawn once per invocation
 * (lines outside an invocation are never sampled).
 */
function isDebugSampled(service: string, rate: number, random: () => number): boolean {
  const invocation = invocationNumber(service);
  if (invocation === undefined) return false;
  const known = sampledInvocations.get(service);
  if (known?.invocation === invocation) return known.sampled;
  const sampled = random() < rate;
  sampledInvocations.set(service, { invocation, sampled });
  return sampled;
}

/**
 * The debug sampling rate of `POWERTOOLS_LOGGER_SAMPLE_RATE`: 0 when unset, undefined when it is
 * not a number from 0 to 1 (sampling is then off, and the first logger says so).
 */
export function debugSampleRateFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number | undefined {
  const raw = env[DEBUG_SAMPLE_RATE_VARIABLE]?.trim();
  if (raw === undefined || raw === '') return 0;
  const rate = Number(raw);
  return Number.isFinite(rate) && rate >= 0 && rate <= 1 ? rate : undefined;
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
