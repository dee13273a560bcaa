import { isLevelEnabled, type LogLevel } from '../lambdas/shared/logger';

/** What the local gateway knows of a request once its response is sent. */
export interface GatewayRequestRecord {
  readonly method: string;
  /** The request path, without the query (it may carry arguments). */
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  /** The id both the authorizer's and the handler's log lines carry; absent when no route matched. */
  readonly requestId?: string;
  readonly server?: string;
  /** From the authorizer's context; absent on public servers and refused requests. */
  readonly keyId?: string;
}

export interface RequestLogOptions {
  /** Writes one finished line. */
  readonly write: (line: string) => void;
  /** ANSI colours (see `supportsColor`). */
  readonly color: boolean;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What the functions' log lines say about a request, gathered until the gateway reports it. */
interface Gathered {
  reason?: string;
  keyId?: string;
  methods?: readonly string[];
}

/** Requests whose lines are kept while they run; a stuck one is dropped beyond this. */
const MAX_PENDING = 1000;

/**
 * The local stack's request log: one readable line per request (time, method, path, status,
 * duration, server, key id or public, JSON-RPC methods with tool names, the decision's reason
 * on a denial). The gateway reports each finished request (`onRequest`); the rest comes from
 * the functions' own log lines (`observeLine`), joined by request id.
 */
export function createRequestLog(options: RequestLogOptions) {
  const pending = new Map<string, Gathered>();
  const paint = painter(options.color);
  const now = options.now ?? (() => new Date());

  const gathered = (requestId: string): Gathered => {
    let entry = pending.get(requestId);
    if (!entry) {
      if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
      entry = {};
      pending.set(requestId, entry);
    }
    return entry;
  };

  return {
    /** Reads one function log line (JSON); anything else is ignored. */
    observeLine(line: string): void {
      if (!line.startsWith('{') || line.startsWith('{"_aws"')) return;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof entry.requestId !== 'string') return;
      const into = gathered(entry.requestId);
      if (entry.message === 'authorization decided' || entry.decision === 'error') {
        if (typeof entry.reason === 'string') into.reason = entry.reason;
        if (typeof entry.keyId === 'string') into.keyId = entry.keyId;
      }
      if (entry.message === 'mcp request') {
        if (Array.isArray(entry.rpc)) into.methods = entry.rpc.map(String);
        if (typeof entry.reason === 'string') into.reason = entry.reason;
      }
    },
    /** Prints the request's line. */
    onRequest(request: GatewayRequestRecord): void {
      const seen = request.requestId === undefined ? {} : (pending.get(request.requestId) ?? {});
      if (request.requestId !== undefined) pending.delete(request.requestId);
      const keyId = request.keyId ?? seen.keyId;
      const failed = request.status >= 400;
      // A refused request without a key id says nothing about its caller: no "public" then.
      const who = keyId !== undefined ? `key ${keyId}` : request.server !== undefined && !failed ? 'public' : undefined;
      const parts = [
        paint.dim(now().toISOString().slice(11, 23)),
        `${request.method} ${request.path}`,
        paint.status(request.status),
        `${request.durationMs.toFixed(0)} ms`,
        request.server,
        who,
        seen.methods && seen.methods.length > 0 ? seen.methods.join(',') : undefined,
        failed && seen.reason ? paint.dim(`reason ${seen.reason}`) : undefined,
      ];
      options.write(parts.filter((part) => part !== undefined).join('  '));
    },
  };
}

/** Colours when the stream is a terminal and NO_COLOR is not set (https://no-color.org); FORCE_COLOR forces them. */
export function supportsColor(
  stream: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

function painter(color: boolean) {
  const wrap = (code: string) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const green = wrap('32');
  const yellow = wrap('33');
  const red = wrap('31');
  return {
    dim: wrap('2'),
    status: (status: number) => (status >= 500 ? red : status >= 400 ? yellow : green)(String(status)),
  };
}

/**
 * Whether the local stack prints a function line at `level`: log lines by their own level,
 * EMF records and audit lines as `info` (in Lambda they are always written), and every line
 * of an invocation sampled for debug (`POWERTOOLS_LOGGER_SAMPLE_RATE`), which its function wrote
 * whatever the level.
 */
export function passesLevel(line: string, level: LogLevel): boolean {
  const match = /^\{"level":"(debug|info|warn|error)"/.exec(line);
  const lineLevel: LogLevel = match ? (match[1] as LogLevel) : 'info';
  return isLevelEnabled(lineLevel, level) || line.includes(SAMPLED);
}

/** The field of a sampled invocation's lines (a key: inside a JSON string its quotes would be escaped). */
const SAMPLED = '"debugSampled":true';
