/**
 * Where the functions' log lines go: one line each to stdout, which Lambda sends to CloudWatch
 * Logs (EMF records included, which CloudWatch turns into metrics). The local stack observes
 * the same lines to print its request log; in Lambda nothing observes them.
 */
export type LineObserver = (line: string) => void;

const observers = new Set<LineObserver>();
const toStdout: LineObserver = (line) => process.stdout.write(line + '\n');
let output: LineObserver = toStdout;

/** Writes one line to stdout (or where `setLineOutput` says) and hands it to the observers. */
export function writeLine(line: string): void {
  output(line);
  for (const observe of observers) observe(line);
}

/** Sends lines to `write` instead of stdout (the test suites discard them); no argument restores stdout. */
export function setLineOutput(write: LineObserver = toStdout): void {
  output = write;
}

/** Calls `observer` with every line written from now on; returns the function that stops it. */
export function observeLines(observer: LineObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}
