import { cpus, tmpdir } from 'node:os';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The merged figures of the last run of every reliability test file. */
export const RESULTS_FILE = join(tmpdir(), 'mcp-gate-reliability.json');
export const FRAGMENTS_DIR = join(tmpdir(), 'mcp-gate-reliability');

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly node: string;
  readonly platform: string;
}

export function machine(): Machine {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/**
 * Records one test file's figures: a fragment per section, then all fragments merged into
 * `RESULTS_FILE` (written to a temporary name and renamed, so a reader never sees half a file).
 */
export function recordFigures(section: string, figures: Record<string, unknown>): void {
  mkdirSync(FRAGMENTS_DIR, { recursive: true });
  const fragment = { section, recordedAt: new Date().toISOString(), machine: machine(), figures };
  writeAtomically(join(FRAGMENTS_DIR, `${section}.json`), JSON.stringify(fragment, null, 2) + '\n');

  const sections: Record<string, unknown> = {};
  for (const file of readdirSync(FRAGMENTS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    try {
      const parsed = JSON.parse(readFileSync(join(FRAGMENTS_DIR, file), 'utf8')) as { section: string };
      sections[parsed.section] = parsed;
    } catch {
      // a fragment being written by another worker: its own merge will include it
    }
  }
  writeAtomically(
    RESULTS_FILE,
    JSON.stringify({ updatedAt: new Date().toISOString(), machine: machine(), sections }, null, 2) + '\n',
  );
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** Percentiles (nearest rank) of a list of numbers, rounded to 0.1. */
export function percentiles(
  values: readonly number[],
  ranks: readonly number[] = [50, 90, 99],
): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  for (const rank of ranks) {
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1));
    out[`p${rank}`] = sorted.length === 0 ? NaN : Math.round(sorted[index] * 10) / 10;
  }
  out.max = sorted.length === 0 ? NaN : Math.round(sorted[sorted.length - 1] * 10) / 10;
  return out;
}

/** Adds one to `counts[key]`. */
export function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
