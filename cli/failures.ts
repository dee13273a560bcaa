import { ConfigError, KeyStoreUnavailableError, McpGateError } from '../lambdas/shared/errors';
import { errorLine } from './text';

/** Where the failing request went, as far as it is known. */
export interface FailurePlace {
  /** The DynamoDB endpoint; undefined on AWS. */
  readonly endpoint?: string;
  readonly table?: string;
}

type Kind = 'table-missing' | 'credentials' | 'region' | 'denied' | 'throttled' | 'unreachable' | 'other';

const DENIED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'AccessDenied',
]);
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

interface Seen {
  readonly names: string[];
  readonly codes: string[];
  readonly messages: string[];
}

/** The names, codes and messages along an error's cause chain (and inside AggregateErrors). */
function collect(error: unknown, seen: Seen = { names: [], codes: [], messages: [] }, depth = 0): Seen {
  if (depth > 5 || typeof error !== 'object' || error === null) return seen;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.name === 'string') seen.names.push(e.name);
  if (typeof e.code === 'string') seen.codes.push(e.code);
  if (typeof e.message === 'string') seen.messages.push(e.message);
  collect(e.cause, seen, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) collect(inner, seen, depth + 1);
  return seen;
}

function classify(error: unknown): { kind: Kind; name: string; code?: string; message: string } {
  const seen = collect(error);
  const name = seen.names.find((n) => n !== 'Error' && n !== 'KeyStoreUnavailableError') ?? seen.names[0] ?? 'Error';
  // A socket error from another realm reaches here only as text ("AWS SDK error wrapper for Error: connect ECONNREFUSED …").
  const code =
    seen.codes.find((c) => NETWORK_CODES.has(c)) ??
    seen.messages.flatMap((m) => m.match(/\bE[A-Z_]+\b/g) ?? []).find((c) => NETWORK_CODES.has(c));
  const message = seen.messages.find((m) => m !== '' && !m.startsWith('key store ')) ?? seen.messages[0] ?? '';
  const has = (set: Set<string>) => seen.names.some((n) => set.has(n)) || seen.codes.some((c) => set.has(c));
  let kind: Kind = 'other';
  if (seen.names.includes('ResourceNotFoundException')) kind = 'table-missing';
  else if (
    seen.names.includes('CredentialsProviderError') ||
    seen.messages.some((m) => /could not load credentials/i.test(m))
  )
    kind = 'credentials';
  else if (seen.messages.some((m) => /region is missing/i.test(m))) kind = 'region';
  else if (has(DENIED)) kind = 'denied';
  else if (has(THROTTLED)) kind = 'throttled';
  else if (
    code !== undefined ||
    seen.names.some((n) => n === 'TimeoutError' || n === 'RequestTimeout') ||
    seen.messages.some((m) => /socket hang up|timed out|timeout/i.test(m))
  )
    kind = 'unreachable';
  return { kind, name, code, message };
}

const CREDENTIALS_HINT =
  'configure them (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), ' +
  'or use local keys (npm start, or DYNAMODB_ENDPOINT)';

/** A short reason for an AWS SDK failure, to stand inside a longer sentence. */
export function describeSdkFailure(error: unknown): string {
  const { kind, name, code, message } = classify(error);
  switch (kind) {
    case 'credentials':
      return `no AWS credentials found: ${CREDENTIALS_HINT}`;
    case 'region':
      return 'no AWS region is set: set AWS_REGION';
    case 'denied':
      return `AWS refused the credentials or their permissions (${name})`;
    case 'throttled':
      return `throttled by AWS (${name}); retry in a moment`;
    case 'unreachable':
      return `AWS could not be reached (${code ?? name})`;
    default:
      return `${name}: ${firstLine(message)}`;
  }
}

/**
 * One line for a person, for any failure of a command: the message of an error raised on
 * purpose, or what a store or SDK failure means (table missing, no credentials, endpoint
 * unreachable, throttled). Never a stack trace, a key or a digest.
 */
export function failureMessage(error: unknown, place: FailurePlace = {}): string {
  // By name as well: a configuration module loaded apart (a fresh module registry) has its own ConfigError class.
  if (error instanceof ConfigError || (error instanceof Error && error.name === 'ConfigError'))
    return errorLine(error.message);
  if (error instanceof McpGateError && !(error instanceof KeyStoreUnavailableError)) return errorLine(error.message);
  const { kind, name, code, message } = classify(error);
  const fromStore =
    error instanceof KeyStoreUnavailableError || (typeof error === 'object' && error !== null && '$metadata' in error);
  if (kind === 'other' && !fromStore) return errorLine(`${name}: ${firstLine(message)}`);
  const table = place.table ? `table ${place.table}` : 'the keys table';
  const at = place.endpoint ? `at ${place.endpoint}` : 'on AWS';
  let line: string;
  switch (kind) {
    case 'table-missing':
      line = place.endpoint
        ? `${table} does not exist ${at}`
        : `${table} does not exist on AWS in this account and region: check --table, KEYS_TABLE_NAME, --stack and AWS_REGION`;
      break;
    case 'credentials':
      line = `no AWS credentials found: ${CREDENTIALS_HINT}`;
      break;
    case 'region':
      line = 'no AWS region is set: set AWS_REGION (or use a profile that has one)';
      break;
    case 'denied':
      line = `AWS refused access to ${table} (${name}): check the credentials and their permissions`;
      break;
    case 'throttled':
      line = `DynamoDB throttled the request on ${table} (${name}): retry in a moment`;
      break;
    case 'unreachable':
      line = place.endpoint
        ? `cannot reach DynamoDB at ${place.endpoint} (${code ?? name}): is the local stack (npm start) or that DynamoDB running?`
        : `cannot reach DynamoDB on AWS (${code ?? name}): check the network and AWS_REGION`;
      break;
    default:
      line = `the key store request on ${table} failed (${name}${message ? `: ${firstLine(message)}` : ''})`;
  }
  return errorLine(line);
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
