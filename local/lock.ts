import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  type BigIntStats,
} from 'node:fs';
import { dirname, relative } from 'node:path';
import { McpGateError } from '../lambdas/shared/errors';

/** Who holds a lock: a process id and, once it listens, where it answers. */
export interface LockOwner {
  readonly pid: number;
  readonly url?: string;
}

/** Something local (the state file, a DynamoDB data folder) is in use by another running process. */
export class LockedError extends McpGateError {
  constructor(
    readonly owner: LockOwner,
    readonly what: string,
    hint?: string,
  ) {
    const who = isPid(owner.pid) ? `pid ${owner.pid}, ${owner.url ?? 'still starting'}` : 'still starting';
    super(
      `another local stack (${who}) is using ${what}: ` +
        `stop it first (Ctrl-C in its terminal)${hint ? `, ${hint}` : ''}`,
    );
  }
}

export interface Lock {
  readonly file: string;
  /** Records where the holder answers, for the message another process gets. */
  setUrl(url: string): void;
  /** Removes the lock file if this process still holds it. Also done when the process exits. */
  release(): void;
}

/**
 * Takes `file` as a lock for `what` (named in the error), holding this process's id. A lock
 * whose process is gone is stale and taken over; one held by a live process fails with
 * `LockedError`. The file appears with its content at once (written aside, then hard-linked),
 * so another process never reads a half-written owner; one it cannot read is taken over only
 * once it is old, as its owner may still be writing it.
 */
export function acquireLock(file: string, what = displayPath(file), hint?: string): Lock {
  mkdirSync(dirname(file), { recursive: true });
  const content = JSON.stringify({ pid: process.pid });
  let seen: Seen | undefined;
  for (let attempt = 0; !createExclusive(file, content); attempt++) {
    // Each pass ends with a lock gone or set aside; a live one, met next, throws.
    if (attempt === MAX_ATTEMPTS) throw new LockedError(seen?.owner ?? { pid: NaN }, what, hint);
    seen = readLock(file);
    if (!seen) continue;
    if (seen.owner ? isProcessAlive(seen.owner.pid) : isYoung(seen)) {
      throw new LockedError(seen.owner ?? { pid: NaN }, what, hint);
    }
    const found = takeOver(file, seen);
    if (found !== 'taken') throw new LockedError(found ?? { pid: NaN }, what, hint);
  }
  const release = (): void => {
    process.off('exit', release);
    if (readOwner(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  process.on('exit', release);
  return {
    file,
    setUrl: (url) => {
      if (readOwner(file)?.pid !== process.pid) return;
      const temp = tempName(file);
      writeFileSync(temp, JSON.stringify({ pid: process.pid, url }));
      renameSync(temp, file);
    },
    release,
  };
}

/**
 * Whether a process runs. EPERM means it exists under another user: alive. The one rule for the
 * lock and the state file, so both agree on whether a local stack runs.
 */
export function isProcessAlive(pid: number): boolean {
  if (!isPid(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A path as a user reads it: relative to the working folder when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** A lock file as read once: its owner if readable, its text, and which file it was. */
interface Seen {
  readonly owner?: LockOwner;
  readonly text: string;
  readonly stats: BigIntStats;
}

/** Passes that find a lock gone or set one aside before giving up (each needs another process to interleave). */
const MAX_ATTEMPTS = 5;
/** An unreadable lock younger than this may still be being written (exclusive create, then write): held. */
const YOUNG_MS = 10_000;

/**
 * Removes the stale lock `seen` from `file`, and only it: renames whatever is at `file` aside
 * (atomic), and if that is not the very file judged stale (another taker replaced it meanwhile),
 * puts it back and answers its owner. Two takers of one stale lock thus never remove each
 * other's new one.
 */
function takeOver(file: string, seen: Seen): 'taken' | LockOwner | undefined {
  const aside = `${tempName(file)}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'taken'; // Another taker moved it first.
    throw error;
  }
  const moved = readLock(aside);
  if (moved && sameFile(moved, seen)) {
    rmSync(aside, { force: true });
    return 'taken';
  }
  if (moved && !putBack(aside, file, moved.text)) rmSync(aside, { force: true });
  return moved?.owner;
}

/** Moves `aside` back to `file` unless `file` exists again; hard-linked to keep the very file its writer may still hold open. */
function putBack(aside: string, file: string, text: string): boolean {
  try {
    linkSync(aside, file);
    rmSync(aside, { force: true });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    rmSync(aside, { force: true });
    return createExclusive(file, text);
  }
}

function sameFile(a: Seen, b: Seen): boolean {
  return (
    a.text === b.text &&
    a.stats.dev === b.stats.dev &&
    a.stats.ino === b.stats.ino &&
    a.stats.mtimeNs === b.stats.mtimeNs &&
    a.stats.size === b.stats.size
  );
}

function isYoung(seen: Seen): boolean {
  return Math.abs(Date.now() - Number(seen.stats.mtimeMs)) < YOUNG_MS;
}

/** Creates `file` holding `content` unless it exists; never seen empty where hard links work. */
function createExclusive(file: string, content: string): boolean {
  const temp = tempName(file);
  writeFileSync(temp, content);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // A file system without hard links: exclusive create, then write (a reader meanwhile sees a young, unreadable lock: held).
    try {
      writeFileSync(file, content, { flag: 'wx' });
      return true;
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw fallback;
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The lock file's text and identity, read from one open file; undefined when there is none. */
function readLock(file: string): Seen | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    const text = readFileSync(fd, 'utf8');
    const owner = parseOwner(text);
    return { ...(owner ? { owner } : {}), text, stats };
  } finally {
    closeSync(fd);
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return parseOwner(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner> | null;
    if (!owner || !isPid(owner.pid)) return undefined;
    return { pid: owner.pid, ...(typeof owner.url === 'string' ? { url: owner.url } : {}) };
  } catch {
    return undefined;
  }
}

function isPid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isInteger(pid) && pid > 0;
}

function tempName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}
