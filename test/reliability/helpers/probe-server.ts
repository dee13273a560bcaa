import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { close } from '../../../local/listen';

export interface ProbeRequest {
  readonly path: string;
  readonly host: string;
  readonly authorization: string | undefined;
  readonly at: number;
}

export interface ProbeServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly received: ProbeRequest[];
  close(): Promise<void>;
}

/**
 * A downstream API on loopback for fault tests. `/slow?ms=n` answers after n ms; `/stall`
 * sends headers and half a body, then nothing; `/redirect?to=url&status=3xx` redirects;
 * anything else answers 200 `{"ok":true,"path":…}`. Every request is recorded with the
 * Authorization header it carried.
 */
export async function startProbeServer(): Promise<ProbeServer> {
  const received: ProbeRequest[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://probe');
    received.push({
      path: url.pathname + url.search,
      host: req.headers.host ?? '',
      authorization: req.headers.authorization,
      at: Date.now(),
    });
    if (url.pathname === '/slow') {
      const timer = setTimeout(() => res.end('{"late":true}'), Number(url.searchParams.get('ms') ?? 1000));
      res.on('close', () => clearTimeout(timer));
    } else if (url.pathname === '/stall') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
    } else if (url.pathname === '/redirect') {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/' });
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: url.pathname }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => close(server) };
}
