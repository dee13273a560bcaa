import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portEnv } from '../../local/listen';
import { acquireLock, LockedError } from '../../local/lock';
import { readLocalState, writeLocalState } from '../../local/state';

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** Makes `file` look written long ago. */
function makeOld(file: string): void {
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(file, past, past);
}

describe('local lock file', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'mcp-gate-lock-'));

  it('holds this process id and, once set, its URL; a live holder refuses another taker, naming itself', () => {
    const file = join(dir(), 'state.json.lock');
    const lock = acquireLock(file, 'state.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ pid: process.pid });
    lock.setUrl('http://127.0.0.1:3000');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ pid: process.pid, url: 'http://127.0.0.1:3000' });

    expect(() => acquireLock(file, 'state.json')).toThrow(LockedError);
    expect(() => acquireLock(file, 'state.json')).toThrow(
      `another local stack (pid ${process.pid}, http://127.0.0.1:3000) is using state.json: stop it first`,
    );

    lock.release();
    expect(existsSync(file)).toBe(false);
    acquireLock(file).release();
  });

  it('takes over a lock whose process is gone, and an unreadable one', async () => {
    const file = join(dir(), 'x.lock');
    writeFileSync(file, JSON.stringify({ pid: await deadPid(), url: 'http://127.0.0.1:1' }));
    const lock = acquireLock(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ pid: process.pid });
    lock.release();

    writeFileSync(file, 'not json');
    makeOld(file);
    acquireLock(file).release();
  });

  it.each([
    ['empty', ''],
    ['half written', '{"pid":'],
  ])('does not take over a new %s lock: its owner is still writing it', (_name, content) => {
    const file = join(dir(), 'z.lock');
    writeFileSync(file, content);

    expect(() => acquireLock(file, 'z')).toThrow('another local stack (still starting) is using z');
    expect(readFileSync(file, 'utf8')).toBe(content);

    makeOld(file);
    acquireLock(file).release();
  });

  it('of two takers of the same stale lock, exactly one wins', async () => {
    const folder = dir();
    const file = join(folder, 'race.lock');
    const stale = await deadPid();
    writeFileSync(file, JSON.stringify({ pid: stale }));
    const results: string[] = [];
    const kill = process.kill.bind(process);
    let interleaved = false;
    // The first taker has just judged the lock stale when the second one runs through whole.
    const spy = jest.spyOn(process, 'kill').mockImplementation((pid, signal) => {
      if (pid === stale && !interleaved) {
        interleaved = true;
        results.push(attempt('second'));
      }
      return kill(pid, signal);
    });
    const locks: { release(): void }[] = [];
    function attempt(name: string): string {
      try {
        locks.push(acquireLock(file));
        return `${name} won`;
      } catch (error) {
        if (!(error instanceof LockedError)) throw error;
        return `${name} refused: ${error.message}`;
      }
    }
    try {
      results.push(attempt('first'));
    } finally {
      spy.mockRestore();
    }

    // Refused naming the winner, not the stale owner.
    expect(results).toEqual([
      'second won',
      expect.stringMatching(`^first refused: another local stack \\(pid ${process.pid}, still starting\\)`),
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ pid: process.pid });
    // Nothing left aside: only the lock itself.
    expect(readdirSync(folder)).toEqual(['race.lock']);
    locks.forEach((lock) => lock.release());
    expect(readdirSync(folder)).toEqual([]);
  });

  it('works on a file system without hard links', async () => {
    const folder = dir();
    const file = join(folder, 'nolink.lock');
    writeFileSync(file, JSON.stringify({ pid: await deadPid() }));
    const spy = jest.spyOn(fs, 'linkSync').mockImplementation(() => {
      throw Object.assign(new Error('link not supported'), { code: 'EPERM' });
    });
    try {
      const lock = acquireLock(file, 'nolink');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ pid: process.pid });
      expect(() => acquireLock(file, 'nolink')).toThrow(`another local stack (pid ${process.pid}, still starting)`);
      lock.release();
      expect(readdirSync(folder)).toEqual([]);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('release leaves a lock another process has taken since', () => {
    const file = join(dir(), 'y.lock');
    const lock = acquireLock(file);
    writeFileSync(file, JSON.stringify({ pid: 1 }));
    lock.release();
    expect(existsSync(file)).toBe(true);
  });
});

describe('local state file', () => {
  const state = (pid: number) => ({
    pid,
    dynamodbEndpoint: 'http://127.0.0.1:1',
    tableName: 't',
    baseUrl: 'http://x.test',
  });

  it('names a running stack; a stack whose process is gone is none', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mcp-gate-state-')), 'state.json');
    writeLocalState(state(process.pid), file);
    expect(readLocalState(file)).toEqual(state(process.pid));

    writeLocalState(state(await deadPid()), file);
    expect(readLocalState(file)).toBeUndefined();
  });

  it('counts a process of another user (EPERM) as running, as the lock does', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mcp-gate-state-')), 'state.json');
    writeLocalState(state(4_000_000), file);
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 4_000_000 }));
    const spy = jest.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    });
    try {
      expect(readLocalState(file)?.pid).toBe(4_000_000);
      expect(() => acquireLock(`${file}.lock`, 'state.json')).toThrow(LockedError);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('port variables', () => {
  it.each([
    ['', 3000],
    ['0', 0],
    ['8080', 8080],
    [' 65535 ', 65535],
  ])('%j → %d', (value, port) => {
    expect(portEnv('PORT', 3000, { PORT: value })).toBe(port);
  });

  it.each(['65536', '70000', '-1', 'abc', '80.5', '1e3', '0x50'])('%j fails naming the variable', (value) => {
    expect(() => portEnv('DYNAMODB_PORT', 8000, { DYNAMODB_PORT: value })).toThrow(
      `DYNAMODB_PORT must be a port number from 0 to 65535 (0 picks a free one), got ${JSON.stringify(value)}`,
    );
  });
});
