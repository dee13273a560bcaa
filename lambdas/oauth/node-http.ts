import { IncomingMessage, ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

/** A request as the proxy event carries it, ready to hand to a node:http listener. */
export interface NodeRequestInit {
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  /** Lowercase names; repeated headers as arrays. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  /** Whether the listener should see an https request (Koa then sets Secure cookies). */
  readonly encrypted: boolean;
  readonly remoteAddress: string;
}

export interface NodeResponse {
  readonly statusCode: number;
  /** Lowercase names; `set-cookie` (and any header set as a list) keeps its values apart. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
}

/** How long a response may go on after its listener returned. */
const LISTENER_GRACE_MS = 5000;

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Runs a node:http request listener (oidc-provider's Koa app) on one request held in memory:
 * an IncomingMessage that yields the body, and a ServerResponse whose head and body are
 * collected instead of written to a socket. Resolves when the listener ends the response.
 */
export function runNodeListener(
  listener: NodeListener,
  init: NodeRequestInit,
  graceMs: number = LISTENER_GRACE_MS,
): Promise<NodeResponse> {
  const socket = {
    encrypted: init.encrypted,
    remoteAddress: init.remoteAddress,
    readable: false,
    writable: true,
    destroy() {},
    on() {
      return socket;
    },
    once() {
      return socket;
    },
    removeListener() {
      return socket;
    },
  };
  const req = new IncomingMessage(socket as unknown as Socket);
  req.method = init.method;
  req.url = init.url;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  const rawHeaders: string[] = [];
  for (const [name, values] of Object.entries(init.headers)) {
    for (const value of values) rawHeaders.push(name, value);
    if (name === 'set-cookie') continue;
    req.headers[name] = name === 'cookie' ? values.join('; ') : values.join(', ');
  }
  req.rawHeaders = rawHeaders;
  if (init.body.length > 0) req.push(init.body);
  req.push(null);
  req.complete = true;

  const res = new ServerResponse(req);
  const chunks: Buffer[] = [];
  return new Promise<NodeResponse>((resolve, reject) => {
    let ended = false;
    const toBuffer = (chunk: unknown, encoding?: unknown): Buffer | undefined => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
      if (Buffer.isBuffer(chunk)) return chunk;
      if (chunk instanceof Uint8Array) return Buffer.from(chunk);
      return Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    };
    const callbackOf = (...args: unknown[]) => args.find((arg): arg is () => void => typeof arg === 'function');
    // The head is never serialised: headers stay readable through getHeaders().
    res.writeHead = ((statusCode: number, ...rest: unknown[]) => {
      res.statusCode = statusCode;
      const headers = rest.find((arg) => typeof arg === 'object' && arg !== null) as OutgoingHttpHeaders | undefined;
      for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) res.setHeader(name, value);
      return res;
    }) as typeof res.writeHead;
    res.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const buffer = toBuffer(chunk, encoding);
      if (buffer) chunks.push(buffer);
      callbackOf(encoding, callback)?.();
      return true;
    }) as typeof res.write;
    res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
      if (ended) return res;
      ended = true;
      const buffer = toBuffer(chunk, encoding);
      if (buffer) chunks.push(buffer);
      Object.defineProperty(res, 'finished', { value: true, configurable: true });
      Object.defineProperty(res, 'writableEnded', { value: true, configurable: true });
      const headers: Record<string, string | readonly string[]> = {};
      for (const [name, value] of Object.entries(res.getHeaders())) {
        if (value === undefined) continue;
        headers[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
      }
      resolve({ statusCode: res.statusCode, headers, body: Buffer.concat(chunks) });
      callbackOf(chunk, encoding, callback)?.();
      res.emit('finish');
      res.emit('close');
      return res;
    }) as typeof res.end;
    Promise.resolve()
      .then(() => listener(req, res))
      .then(() => {
        // A streamed body may end after the listener returns; one that never ends is a failure.
        if (ended) return;
        const timer = setTimeout(() => {
          if (!ended) reject(new Error('the listener did not end the response'));
        }, graceMs);
        res.once('finish', () => clearTimeout(timer));
      }, reject);
  });
}
