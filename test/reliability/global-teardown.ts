import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readResults, renderReliabilityReport, SECTIONS } from './report';

/**
 * Writes RELIABILITY.md when every section of the suite recorded its figures in this run; a
 * run of some files only (`npm run test:reliability -- load`) leaves the report as it was.
 */
export default function globalTeardown(): void {
  let results;
  try {
    results = readResults();
  } catch {
    return;
  }
  const missing = SECTIONS.filter((section) => !(section in results.sections));
  if (missing.length > 0) {
    console.log(`RELIABILITY.md not written: no figures from ${missing.join(', ')} in this run`);
    return;
  }
  const started = Number(process.env.MCP_GATE_RELIABILITY_STARTED_MS);
  const seconds = Number.isFinite(started) ? Math.round((Date.now() - started) / 1000) : undefined;
  const wall =
    seconds === undefined ? undefined : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  const out = join(__dirname, '..', '..', 'RELIABILITY.md');
  writeFileSync(out, renderReliabilityReport(results, wall));
  console.log(`wrote ${out}`);
}
