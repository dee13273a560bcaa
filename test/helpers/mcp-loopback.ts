import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identityOf } from '../../local/gateway';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export type RestProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface LoopbackOptions {
  /**
   * The authorizer context to attach (values as strings, as API Gateway delivers them), or
   * undefined for none. Called per request with the request and its path.
   * @default no authorizer context
   */
  readonly authorizer?: (request: IncomingMessage, path: string) => Record<string, string> | undefined;
}

export interface LoopbackGateway {
  /** `http://127.0.0.1:<port>`: append the server's route. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A stand-in for API Gateway on 127.0.0.1 (random port): each HTTP request becomes a REST
 * proxy event for `handler`, and its proxy result becomes the HTTP response.
 */
export async function startLoopbackGateway(
  handler: RestProxyHandler,
  options: LoopbackOptions = {},
): Promise<LoopbackGateway> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const event = toRestEvent(req, Buffer.concat(chunks), options);
      handler(event)
        .then((result) => {
          const headers: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
          for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
            headers[name] = values.map(String);
          res.writeHead(result.statusCode, headers);
          res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
        })
        .catch((error: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `handler threw: ${String(error)}` }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function toRestEvent(req: IncomingMessage, body: Buffer, options: LoopbackOptions): APIGatewayProxyEvent {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname;
  // Every route is its own resource, as `/<server>/mcp` is.
  const resource = path;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!values) continue;
    headers[name] = values[values.length - 1];
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    (multiQuery[name] ??= []).push(value);
  }
  const authorizer = options.authorizer?.(req, path);
  const method = req.method ?? 'GET';
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: url.search ? query : null,
    multiValueQueryStringParameters: url.search ? multiQuery : null,
    pathParameters: null,
    stageVariables: null,
    body: body.length > 0 ? body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'loopback',
      authorizer: authorizer ? { principalId: authorizer.keyId ?? 'anonymous', ...authorizer } : undefined,
      domainName: req.headers.host ?? '127.0.0.1',
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: method,
      identity: identityOf(req),
      path: `/local${path}`,
      stage: 'local',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'loopback',
      resourcePath: resource,
    },
  };
}
