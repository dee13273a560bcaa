import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Downstream {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The same server under another origin (`http://localhost:<port>`): not on an allow-list of `url`. */
  readonly otherOriginUrl: string;
  /** Every request received, oldest first. */
  readonly received: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback downstream API for HTTP-tool tests. Routes:
 * `/redirect?to=<url>&status=<3xx>` redirects; `/status/<code>` answers that status;
 * `/slow?ms=<n>` answers after n ms; `/big?bytes=<n>` sends n bytes;
 * anything else answers 200 with JSON `{ method, path, query, authorization, body }`.
 */
export async function startDownstream(): Promise<Downstream> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://downstream');
      const status = /^\/status\/(\d{3})$/.exec(url.pathname);
      if (url.pathname === '/redirect') {
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/' });
        res.end();
      } else if (status) {
        res.writeHead(Number(status[1]), { 'content-type': 'text/plain' });
        res.end(`downstream says ${status[1]}`);
      } else if (url.pathname === '/slow') {
        const timer = setTimeout(() => res.end('late'), Number(url.searchParams.get('ms') ?? 1000));
        res.on('close', () => clearTimeout(timer));
      } else if (url.pathname === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(Number(url.searchParams.get('bytes') ?? 0)));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            method: req.method,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            authorization: req.headers.authorization ?? null,
            body: body === '' ? null : body,
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    otherOriginUrl: `http://localhost:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
