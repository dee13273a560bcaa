import { rmSync } from 'node:fs';
import { FRAGMENTS_DIR } from './helpers/results';

/** Starts each run with no figures from an earlier one, so the report shows this run only. */
export default function globalSetup(): void {
  rmSync(FRAGMENTS_DIR, { recursive: true, force: true });
  process.env.MCP_GATE_RELIABILITY_STARTED_MS = String(Date.now());
}
