import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setLineOutput } from '../lambdas/shared/log-output';

/** A helper process that announced itself with one JSON line on stdout, and answers requests. */
export interface Helper<T> {
  readonly info: T;
  readonly pid: number;
  /** Sends one JSON line on the helper's stdin; resolves with its next JSON line on stdout. */
  request<R>(message: unknown, timeoutMs?: number): Promise<R>;
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx <script> [...args]` (one process, no tsx CLI wrapper) and waits, at
 * most `timeoutMs`, for its first stdout line starting with `{`, parsed as JSON. Later such lines
 * answer `request`s in order; other stdout lines are ignored; stderr is passed through.
 */
export function startHelper<T>(
  script: string,
  options: { env?: NodeJS.ProcessEnv; args?: readonly string[]; nodeArgs?: readonly string[]; timeoutMs?: number } = {},
): Promise<Helper<T>> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...(options.args ?? [])],
    {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const waiting: { resolve: (value: unknown) => void; reject: (error: Error) => void }[] = [];
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    if (!line.startsWith('{')) return;
    const next = waiting.shift();
    if (!next) return;
    try {
      next.resolve(JSON.parse(line));
    } catch (error) {
      next.reject(error as Error);
    }
  });
  child.once('exit', (code, signal) => {
    for (const next of waiting.splice(0)) next.reject(new Error(`${script} exited (${code ?? signal})`));
  });
  const nextLine = <R>(timeoutMs: number): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script} did not answer within ${timeoutMs} ms`)), timeoutMs);
      waiting.push({
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as R);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  return nextLine<T>(options.timeoutMs ?? 30_000).then(
    (info) => ({
      info,
      pid: child.pid!,
      request: <R>(message: unknown, timeoutMs = 60_000) => {
        const answer = nextLine<R>(timeoutMs);
        child.stdin!.write(JSON.stringify(message) + '\n');
        return answer;
      },
      stop: () => stopChild(child),
    }),
    async (error: unknown) => {
      await stopChild(child);
      throw error;
    },
  );
}

/** Ends a child this process started (SIGTERM, then SIGKILL after 3 s). */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The helper side of `request`: calls `answer` for every JSON line on stdin and prints its
 * result as one JSON line. Exits when stdin closes.
 */
export function serveRequests(answer: (message: unknown) => Promise<unknown>): void {
  // Stdout is the answer channel: the functions' log lines, EMF records and audit lines go nowhere
  // (built as on Lambda, not written), as the benchmarks' loggers write to no sink.
  setLineOutput(() => {});
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    queue = queue.then(async () => {
      try {
        process.stdout.write(JSON.stringify(await answer(JSON.parse(line))) + '\n');
      } catch (error) {
        process.stdout.write(JSON.stringify({ error: String(error) }) + '\n');
      }
    });
  });
  lines.on('close', () => {
    void queue.then(() => process.exit(0));
  });
}
