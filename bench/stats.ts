/** Small statistics and timing helpers shared by the benchmark parts. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full garbage collection, so one measurement does not pay for the garbage of the one before. */
export function collectGarbage(): void {
  gc();
}

/** One measured quantity over several rounds. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Interquartile range (q3 − q1). */
  readonly iqr: number;
  readonly rounds: readonly number[];
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    iqr: quantile(sorted, 0.75) - quantile(sorted, 0.25),
    rounds: values,
  };
}

/** Percentiles of raw samples (e.g. latencies of one round). */
export function percentiles(samples: readonly number[], qs: readonly number[]): number[] {
  const sorted = Float64Array.from(samples).sort();
  return qs.map((q) => quantile(sorted as unknown as number[], q));
}

export function nowMs(): number {
  return performance.now();
}

/**
 * Calls `op` one at a time (awaiting each) for about `durationMs` and returns operations per second.
 * The clock is read every `batch` calls so that reading it does not dominate fast operations.
 */
export async function opsPerSecond(op: () => Promise<unknown>, durationMs: number, batch = 256): Promise<number> {
  collectGarbage();
  let count = 0;
  const started = nowMs();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) await op();
    count += batch;
    elapsed = nowMs() - started;
  } while (elapsed < durationMs);
  return (count / elapsed) * 1000;
}

/**
 * Keeps `concurrency` calls of `op` in flight for about `durationMs`; returns operations per second
 * and the latency of each call in milliseconds.
 */
export async function concurrentOps(
  op: (index: number) => Promise<unknown>,
  concurrency: number,
  durationMs: number,
): Promise<{ perSecond: number; latencies: number[] }> {
  collectGarbage();
  const latencies: number[] = [];
  const started = nowMs();
  let index = 0;
  const worker = async (): Promise<void> => {
    while (nowMs() - started < durationMs) {
      const t0 = nowMs();
      await op(index++);
      latencies.push(nowMs() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = nowMs() - started;
  return { perSecond: (latencies.length / elapsed) * 1000, latencies };
}

/** Runs `round` `rounds` times after `warmup` unmeasured runs; summarises each returned number by name. */
export async function inRounds<K extends string>(
  rounds: number,
  round: (index: number) => Promise<Record<K, number>>,
  warmup = 1,
): Promise<Record<K, Summary>> {
  for (let i = 0; i < warmup; i++) await round(-1 - i);
  const values = new Map<K, number[]>();
  for (let i = 0; i < rounds; i++) {
    const result = await round(i);
    for (const [name, value] of Object.entries(result) as [K, number][]) {
      const list = values.get(name) ?? [];
      list.push(value);
      values.set(name, list);
    }
  }
  const out = {} as Record<K, Summary>;
  for (const [name, list] of values) out[name] = summarize(list);
  return out;
}

/** A ratio of two summaries, per round (paired) where both have the same number of rounds. */
export function ratio(numerator: Summary, denominator: Summary): Summary {
  if (numerator.rounds.length === denominator.rounds.length) {
    return summarize(numerator.rounds.map((value, i) => value / denominator.rounds[i]));
  }
  return summarize([numerator.median / denominator.median]);
}

// ---- formatting ----

/** A number with `digits` significant digits, thousands separated, no exponent. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** `median (min–max)` */
export function fmtSummary(summary: Summary, digits = 3, unit = ''): string {
  return `${fmt(summary.median, digits)}${unit} (${fmt(summary.min, digits)}–${fmt(summary.max, digits)})`;
}

export function fmtRatio(summary: Summary): string {
  return `${summary.median.toFixed(2)}× (${summary.min.toFixed(2)}–${summary.max.toFixed(2)})`;
}

export function fmtBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
