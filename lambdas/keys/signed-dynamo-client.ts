import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
// aws4: a small, widely used SigV4 signer on Node's own crypto (no WebCrypto); the MCP functions' signer too.
import { sign } from 'aws4';
import type { DynamoTransport } from './dynamo-json';
import { DYNAMO_TIMEOUTS, type DynamoClientOptions } from './dynamo-timeouts';

export { marshallRecord, unmarshallItem, type AttributeValue, type Item } from './dynamo-json';

/** An error DynamoDB answered, named after its type (`ConditionalCheckFailedException`, …), as the SDK names them. */
export class DynamoServiceError extends Error {
  constructor(
    name: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = name;
  }
}

/** Answers worth one more attempt: throttling and the service's own failures (the SDK retries the same). */
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
]);

const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * The credentials Lambda gives a function in its environment (the role's, with a session
 * token). Without them, only a local endpoint works: it accepts placeholder credentials.
 */
export function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>, local: boolean): Credentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
  }
  if (local) return { accessKeyId: 'local', secretAccessKey: 'local' };
  throw new DynamoServiceError(
    'CredentialsProviderError',
    'no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
    0,
  );
}

export interface SignedDynamoClientOptions extends DynamoClientOptions {
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * DynamoDB's JSON protocol over Node's http(s), signed with SigV4 by `aws4`: what the
 * authorizer and the OAuth authorization server need (the item operations of
 * `DynamoOperation`, conditional writes included) without loading the AWS SDK, whose start-up
 * dominates a cold start (BENCHMARKS.md, part 4). Timeouts, attempts and the fail-closed
 * outcome are those of the SDK client (`DYNAMO_TIMEOUTS`): a connection that does not open
 * within `connectionMs`, or an answer that does not come within `requestMs`, fails the
 * attempt with a `TimeoutError`; throttling, 5xx and network errors are tried again once
 * more (`maxAttempts`); anything else is thrown as DynamoDB named it.
 */
export class SignedDynamoClient implements DynamoTransport {
  private readonly url: URL;
  private readonly region: string;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly local: boolean;
  private readonly connectionMs: number;
  private readonly requestMs: number;
  private readonly maxAttempts: number;
  private readonly agent?: Agent;

  constructor(options: SignedDynamoClientOptions = {}) {
    this.env = options.env ?? process.env;
    this.region = this.env.AWS_REGION || this.env.AWS_DEFAULT_REGION || (options.endpoint ? 'local' : 'us-east-1');
    this.local = options.endpoint !== undefined;
    this.url = new URL(options.endpoint ?? `https://dynamodb.${this.region}.amazonaws.com`);
    this.connectionMs = options.connectionTimeoutMs ?? DYNAMO_TIMEOUTS.connectionMs;
    this.requestMs = options.requestTimeoutMs ?? DYNAMO_TIMEOUTS.requestMs;
    this.maxAttempts = options.maxAttempts ?? DYNAMO_TIMEOUTS.maxAttempts;
    // One kept-alive connection per container, as the SDK keeps: the TLS handshake is paid once.
    if (this.url.protocol === 'https:') this.agent = new Agent({ keepAlive: true, maxSockets: 50 });
  }

  /** Calls `operation` (`GetItem`, `UpdateItem`, …) with `input`; the parsed answer, or a named error. */
  async send<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>): Promise<T> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.attempt(operation, body)) as T;
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        // Network failures and timeouts are transient; of DynamoDB's answers, throttling and 5xx.
        const retryable = error instanceof DynamoServiceError ? RETRYABLE.has(name) || error.statusCode >= 500 : true;
        if (!retryable || attempt >= this.maxAttempts) throw error;
        // Full jitter, as the SDK's standard retry strategy: up to 100 ms × 2^attempt, 500 ms base when throttled.
        const base = THROTTLING.has(name) ? 500 : 100;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(base * 2 ** attempt, 20_000)));
      }
    }
  }

  private attempt(operation: string, body: string): Promise<unknown> {
    const credentials = credentialsFromEnv(this.env, this.local);
    const signed = sign(
      {
        host: this.url.host,
        path: '/',
        method: 'POST',
        service: 'dynamodb',
        region: this.region,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${operation}`,
        },
        body,
      },
      credentials,
    );
    const request = this.url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(answerTimer);
        req.destroy();
        reject(error);
      };
      const timeout = (what: string, ms: number) =>
        fail(Object.assign(new Error(`${what} within ${ms} ms`), { name: 'TimeoutError' }));
      const req = request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          path: '/',
          method: 'POST',
          headers: signed.headers as Record<string, string>,
          agent: this.agent,
        },
        (res: IncomingMessage) => {
          clearTimeout(answerTimer);
          // A body that stalls after the headers: the SDK's `socketTimeout`, restarted by every chunk.
          const stall = setTimeout(() => timeout('no data from DynamoDB', this.requestMs), this.requestMs);
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            stall.refresh();
          });
          res.on('error', fail);
          res.on('close', () => clearTimeout(stall));
          res.on('end', () => {
            clearTimeout(stall);
            if (settled) return;
            settled = true;
            clearTimeout(connectTimer);
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let parsed: Record<string, unknown> = {};
            try {
              parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
            } catch {
              if (status < 300)
                return reject(new DynamoServiceError('SerializationError', 'unreadable answer', status));
            }
            if (status >= 200 && status < 300) return resolve(parsed);
            const type = String(parsed.__type ?? '');
            const name = type.slice(type.lastIndexOf('#') + 1) || `HTTP${status}`;
            const message = String(parsed.message ?? parsed.Message ?? `DynamoDB answered ${status}`);
            reject(new DynamoServiceError(name, message, status));
          });
        },
      );
      const connectTimer = setTimeout(() => timeout('no connection to DynamoDB', this.connectionMs), this.connectionMs);
      const answerTimer = setTimeout(() => timeout('no answer from DynamoDB', this.requestMs), this.requestMs);
      req.on('socket', (socket) => {
        // A reused keep-alive socket is already connected.
        if (!socket.connecting) clearTimeout(connectTimer);
        else socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('error', fail);
      req.end(body);
    });
  }
}
