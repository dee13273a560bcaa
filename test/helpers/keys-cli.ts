import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKeysCli, type ServersSource } from '../../cli/keys';
import { servers } from '../../config/servers';

const NO_STATE = join(mkdtempSync(join(tmpdir(), 'mcp-gate-cli-')), 'no-state.json');

/**
 * Runs `npm run keys` in this process with `env` and no running local stack to find (unless `env`
 * names a state file): its exit code, what it printed, and its error lines.
 */
export async function runKeys(
  argv: string[],
  env: Record<string, string | undefined>,
  serversSource: ServersSource = servers,
): Promise<{ code: number; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysCli(
    argv,
    { out: (t) => out.push(t), err: (t) => err.push(t), env: { MCP_GATE_STATE_FILE: NO_STATE, ...env } },
    serversSource,
  );
  return { code, out: out.join('\n'), err };
}
