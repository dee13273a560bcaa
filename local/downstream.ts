import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface DownstreamOptions {
  /** The API key the pets API accepts in `x-pets-key`. @default a random one: nothing gets in */
  readonly petsApiKey?: string;
  /** The client id and secret the token endpoint accepts (client_secret_basic or _post). @default random */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Lifetime of issued tokens (`expires_in`). @default 300 */
  readonly tokenLifetimeSeconds?: number;
  /** Epoch milliseconds, for token expiry. @default Date.now */
  readonly clock?: () => number;
}

/** The client-credentials client of the demo (config/servers.ts, tool `petsReport`). */
export const DEMO_CLIENT_ID = 'mcp-gate-demo';
const MAX_BODY_BYTES = 16_384;

/**
 * The demo downstream API. Local use only, it never runs in a deployment:
 * - `/pets` (config/openapi/pets.yaml): GET lists pets (`limit`), POST creates one, GET
 *   `/pets/{petId}` reads one; every call needs the API key in `x-pets-key`. Pets live in memory.
 * - `POST /oauth/token`: OAuth 2.0 client credentials; `GET /reports/pets` needs its tokens.
 * - Any other GET answers `{"authorization": <the Authorization header it received, or null>}`,
 *   so a bearerPassthrough tool shows what arrived (echoing a credential is what it is for).
 */
export function createDownstream(options: DownstreamOptions = {}): Server {
  const petsApiKey = options.petsApiKey ?? randomBytes(24).toString('base64url');
  const clientId = options.clientId ?? DEMO_CLIENT_ID;
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const lifetime = options.tokenLifetimeSeconds ?? 300;
  const clock = options.clock ?? Date.now;
  const pets = new Map<number, { id: number; name: string; tag?: string }>();
  const tokens = new Map<string, number>();
  let nextId = 1;

  return createServer((req, res) => {
    void readBody(req).then(
      (body) => {
        const url = new URL(req.url ?? '/', 'http://downstream');
        if (url.pathname === '/pets' || url.pathname.startsWith('/pets/')) {
          if (!sameSecret(req.headers['x-pets-key'], petsApiKey)) return send(res, 401, { message: 'invalid API key' });
          if (url.pathname === '/pets' && req.method === 'GET') {
            const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : 100;
            if (!Number.isInteger(limit) || limit < 1)
              return send(res, 400, { message: 'limit must be a positive integer' });
            return send(res, 200, [...pets.values()].slice(0, limit));
          }
          if (url.pathname === '/pets' && req.method === 'POST') {
            const input = parseJson(body) as { name?: unknown; tag?: unknown } | undefined;
            if (
              typeof input?.name !== 'string' ||
              input.name === '' ||
              (input.tag !== undefined && typeof input.tag !== 'string')
            ) {
              return send(res, 400, { message: 'a pet needs a name (string) and an optional tag (string)' });
            }
            const pet = { id: nextId++, name: input.name, ...(input.tag !== undefined ? { tag: input.tag } : {}) };
            pets.set(pet.id, pet);
            return send(res, 201, pet);
          }
          const match = /^\/pets\/([^/]+)$/.exec(url.pathname);
          if (match && req.method === 'GET') {
            const pet = pets.get(Number(decodeURIComponent(match[1])));
            return pet ? send(res, 200, pet) : send(res, 404, { message: 'no pet has this id' });
          }
          return send(res, 405, { message: 'Method Not Allowed' });
        }
        if (url.pathname === '/oauth/token' && req.method === 'POST') {
          const form = new URLSearchParams(body);
          const [id, secret] = clientOf(req.headers.authorization, form);
          if (id !== clientId || !sameSecret(secret, clientSecret)) return send(res, 401, { error: 'invalid_client' });
          if (form.get('grant_type') !== 'client_credentials')
            return send(res, 400, { error: 'unsupported_grant_type' });
          const token = randomBytes(24).toString('base64url');
          tokens.set(token, clock() + lifetime * 1000);
          return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: lifetime });
        }
        if (url.pathname === '/reports/pets' && req.method === 'GET') {
          const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
          const expires = token === undefined ? undefined : tokens.get(token);
          if (expires === undefined || expires <= clock()) return send(res, 401, { error: 'invalid_token' });
          const byTag: Record<string, number> = {};
          for (const pet of pets.values()) byTag[pet.tag ?? '(none)'] = (byTag[pet.tag ?? '(none)'] ?? 0) + 1;
          return send(res, 200, { pets: pets.size, byTag });
        }
        if (req.method !== 'GET') {
          res.writeHead(405, { 'content-type': 'application/json', allow: 'GET' });
          res.end('{"message":"Method Not Allowed"}');
          return;
        }
        send(res, 200, { authorization: req.headers.authorization ?? null });
      },
      () => send(res, 413, { message: 'body too large' }),
    );
  });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(new Error('too large'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Client id and secret from HTTP Basic (form-encoded parts) or the form body. */
function clientOf(authorization: string | undefined, form: URLSearchParams): [string | null, string | null] {
  const basic = /^Basic (\S+)$/i.exec(authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return [null, null];
    const decode = (part: string): string => decodeURIComponent(part.replace(/\+/g, ' '));
    return [decode(decoded.slice(0, colon)), decode(decoded.slice(colon + 1))];
  }
  return [form.get('client_id'), form.get('client_secret')];
}

function sameSecret(given: string | string[] | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
