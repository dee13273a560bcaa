import { Agent, request } from 'node:http';

export interface HttpRequest {
  readonly method?: string;
  /** Path and query, e.g. `/demo-apikey/mcp`. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Milliseconds from sending to the last byte. */
  readonly ms: number;
  /** When the request was sent (`performance.now()`). */
  readonly sentAt: number;
}

/** An HTTP/1.1 client for one loopback origin with keep-alive connections. */
export function createHttpClient(baseUrl: string, maxSockets = 50) {
  const url = new URL(baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`reliability traffic stays on 127.0.0.1, not ${url.hostname}`);
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    send(req: HttpRequest): Promise<HttpResponse> {
      const sentAt = performance.now();
      return new Promise((resolve, reject) => {
        const body =
          req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
        const outgoing = request(
          {
            host: url.hostname,
            port: url.port,
            method: req.method ?? 'POST',
            path: req.path,
            agent,
            headers: { ...(req.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8'),
                ms: performance.now() - sentAt,
                sentAt,
              }),
            );
            res.on('error', reject);
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}

export type HttpClient = ReturnType<typeof createHttpClient>;

/** Runs `work(i)` for i in [0, count) with at most `concurrency` running at once. */
export async function pool(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await work(next++);
  });
  await Promise.all(runners);
}
