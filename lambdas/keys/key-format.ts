import { createHash, randomBytes } from 'node:crypto';
import { InvalidInputError } from '../shared/errors';

/**
 * API keys look like `mcpg_` + 32 base64url characters (24 random bytes, 192 bits).
 * The prefix makes leaked keys easy to find with secret scanners; the fixed shape lets
 * the authorizer reject malformed input before any DynamoDB call.
 */
export const KEY_PREFIX = 'mcpg_';
const KEY_PATTERN = /^mcpg_[A-Za-z0-9_-]{32}$/;
const KEY_ID_PATTERN = /^key_[0-9a-f]{16}$/;

/** A new random API key. Shown to its owner once; only its digest is stored. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(24).toString('base64url');
}

/** A new public key id: safe to log, list and type. */
export function generateKeyId(): string {
  return 'key_' + randomBytes(8).toString('hex');
}

/** True when `value` has the shape of an API key. Cheap; no I/O. */
export function isWellFormedApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function isWellFormedKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}

/** SHA-256 of the key, hex: the table's partition key. The key has 192 random bits, so no salt or slow hash is needed. */
export function digestApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** What lists show instead of the key: the prefix and the last 4 characters (24 of its 192 bits). */
export function keyHint(apiKey: string): string {
  return `${KEY_PREFIX}…${apiKey.slice(-4)}`;
}

const DURATION = /^(\d+)(s|m|h|d|w)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Parses `90s`, `15m`, `1h`, `30d`, `2w` into seconds; throws `InvalidInputError` otherwise. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match)
    throw new InvalidInputError(`"${text}" is not a duration: use a number and a unit, like 90s, 15m, 1h, 30d or 2w`);
  return Number(match[1]) * UNIT_SECONDS[match[2]];
}
