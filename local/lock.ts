import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
    super(
      `another local stack (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ', still starting'}) is using ${what}: ` +
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
 * so another process never reads a half-written owner.
 */
export function acquireLock(file: string, what = displayPath(file), hint?: string): Lock {
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    if (createExclusive(file, { pid: process.pid })) break;
    const owner = readOwner(file);
    if (owner && isAlive(owner.pid)) throw new LockedError(owner, what, hint);
    // Stale (its process is gone) or unreadable: take it over, once.
    if (attempt > 0) throw new LockedError(owner ?? { pid: NaN }, what, hint);
    rmSync(file, { force: true });
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

/** The lock's owner while its process lives; undefined for no lock or a stale one. */
export function liveOwner(file: string): LockOwner | undefined {
  const owner = readOwner(file);
  return owner && isAlive(owner.pid) ? owner : undefined;
}

/** A path as a user reads it: relative to the working folder when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

function createExclusive(file: string, owner: LockOwner): boolean {
  const temp = tempName(file);
  writeFileSync(temp, JSON.stringify(owner));
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // A file system without hard links: exclusive create, then write.
    try {
      writeFileSync(file, JSON.stringify(owner), { flag: 'wx' });
      return true;
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw fallback;
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || !Number.isInteger(owner.pid) || owner.pid <= 0) return undefined;
    return { pid: owner.pid, ...(typeof owner.url === 'string' ? { url: owner.url } : {}) };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tempName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}
