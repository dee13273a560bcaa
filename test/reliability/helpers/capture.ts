import { observeLines } from '../../../lambdas/shared/log-output';
import type { LogSink } from '../../../lambdas/shared/logger';

/**
 * Everything written while a test file ran: stdout, stderr, console, the loggers given `sink`,
 * and the functions' own lines (EMF records, audit lines, loggers without a sink).
 */
export interface LogCapture {
  /** Raw chunks, in order; a chunk may hold several lines. */
  readonly chunks: string[];
  /** For loggers built in the test (`createLogger(name, { sink })`). */
  readonly sink: LogSink;
  /** Number of lines captured so far. */
  lineCount(): number;
  /** The JSON log lines (lines that parse as objects). */
  jsonLines(): Record<string, unknown>[];
  text(): string;
  restore(): void;
}

/**
 * Captures every log line of a test file. The handlers write JSON lines to `process.stdout`,
 * which is swallowed here; `process.stderr` is recorded and still written (jest reports there);
 * `console.*` is recorded and silenced.
 */
export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const record = (chunk: unknown): void => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    record(chunk);
    return true;
  });
  const originalStderr = process.stderr.write.bind(process.stderr);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    record(chunk);
    return (originalStderr as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write);
  // The functions' lines (log-output.ts): the test setup sends them nowhere, so they are read here.
  const stopObserving = observeLines((line) => record(line + '\n'));
  const consoles = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      record(args.map((arg) => (typeof arg === 'string' ? arg : safeStringify(arg))).join(' ') + '\n');
    }),
  );
  return {
    chunks,
    sink: (line) => record(line + '\n'),
    lineCount: () => chunks.reduce((count, chunk) => count + (chunk.match(/\n/g)?.length ?? 0), 0),
    jsonLines: () =>
      chunks
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    text: () => chunks.join(''),
    restore: () => {
      stopObserving();
      stdout.mockRestore();
      stderr.mockRestore();
      for (const spy of consoles) spy.mockRestore();
    },
  };
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
