import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CONTEXT_KEYS } from '../../lib/settings';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/app.ts as `cdk synth` does: context in CDK_CONTEXT_JSON, output to CDK_OUTDIR. */
function runApp(context: Record<string, unknown>, outdir: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [path.join(ROOT, 'bin', 'app.ts')],
      { cwd: ROOT, env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
    );
  });
}

describe('bin/app.ts with a bad context value', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'mcp-gate-app-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  it.each([
    [CONTEXT_KEYS.authCacheTtlSeconds, '60s', /^error: context mcp-gate:authCacheTtlSeconds must be whole seconds/],
    [CONTEXT_KEYS.samLocal, 'yes', /^error: context mcp-gate:samLocal must be true or false/],
  ])('%s=%j: one error line naming the key, exit 1, nothing synthesized', async (key, value, message) => {
    const run = await runApp({ [key]: value }, outdir);

    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(outdir)).toEqual([]);
  });
});
