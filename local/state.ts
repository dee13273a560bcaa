import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, displayPath, isProcessAlive, type Lock } from './lock';

/**
 * The local stack's folder: its state file and its DynamoDB data. `MCP_GATE_LOCAL_DIR` moves
 * it (a second local stack with its own data, or tests beside yours). @default `.local`
 */
export const LOCAL_DIR = process.env.MCP_GATE_LOCAL_DIR || join(__dirname, '..', '.local');
/**
 * Where a running `npm start` says what it serves, so `npm run keys` finds it without flags.
 * `MCP_GATE_STATE_FILE` moves it alone (tests run their own in-memory stack beside yours).
 */
export const STATE_FILE = process.env.MCP_GATE_STATE_FILE || join(LOCAL_DIR, 'state.json');
/** The embedded DynamoDB's data, kept across restarts unless `--in-memory`. */
export const DATA_DIR = join(LOCAL_DIR, 'dynamodb');

/** The keys table's name in the embedded DynamoDB. */
export const LOCAL_TABLE_NAME = 'mcp-gate-keys';

export interface LocalState {
  readonly pid: number;
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
  /** Base URL of the local gateway; each server answers at `<baseUrl><route>` (`/<server>/mcp` unless configured). */
  readonly baseUrl: string;
}

/**
 * Claims the state file for this process before anything starts: one local stack per state
 * file, in memory or not. Fails with `LockedError` naming the running one.
 */
export function lockLocalState(file = STATE_FILE): Lock {
  return acquireLock(
    `${file}.lock`,
    displayPath(file),
    'or set MCP_GATE_LOCAL_DIR to another folder to run a second one beside it',
  );
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
  return state && isProcessAlive(state.pid) ? state : undefined;
}
