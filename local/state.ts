import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a running `npm start` says what it serves, so `npm run keys` finds it without flags. */
export const LOCAL_DIR = join(__dirname, '..', '.local');
/** `MCP_GATE_STATE_FILE` moves it (tests run their own stack beside yours). */
const STATE_FILE = process.env.MCP_GATE_STATE_FILE || join(LOCAL_DIR, 'state.json');

/** The keys table's name in the embedded DynamoDB. */
export const LOCAL_TABLE_NAME = 'mcp-gate-keys';

export interface LocalState {
  readonly pid: number;
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
  /** Base URL of the local gateway; servers are at `<baseUrl>/<server>/mcp`. */
  readonly baseUrl: string;
}

export function writeLocalState(state: LocalState, file = STATE_FILE): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n');
}

/** Removes the state file if it is this process's. */
export function clearLocalState(pid: number, file = STATE_FILE): void {
  if (readLocalState(file)?.pid === pid) rmSync(file, { force: true });
}

/** The running local stack's state, or undefined when none runs (a stale file is ignored). */
export function readLocalState(file = STATE_FILE): LocalState | undefined {
  let state: LocalState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
  try {
    process.kill(state.pid, 0);
  } catch {
    return undefined;
  }
  return state;
}
