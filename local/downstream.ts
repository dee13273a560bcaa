import { createServer, type Server } from 'node:http';

/**
 * The demo downstream API: GET answers `{"authorization": <the Authorization header it
 * received, or null>}`, so a bearerPassthrough tool shows what arrived. Local use only:
 * echoing a credential is what this demo is for, and it never runs in a deployment.
 */
export function createDownstream(): Server {
  return createServer((req, res) => {
    req.resume();
    if (req.method !== 'GET') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'GET' });
      res.end('{"message":"Method Not Allowed"}');
      return;
    }
    const body = JSON.stringify({ authorization: req.headers.authorization ?? null });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}
