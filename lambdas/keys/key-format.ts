import { createHash, randomBytes } from 'node:crypto';
import { InvalidInputError } from '../shared/errors';
import type { KeyRecord } from './key-store';

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

/**
 * A new usage identifier: 40 hex characters (160 random bits), the value of the key's API
 * Gateway API key (which takes 20-128 letters and digits). Random on its own, never derived
 * from the key, so storing and returning it reveals nothing about the key.
 */
export function generateUsageIdentifier(): string {
  return randomBytes(20).toString('hex');
}

/** True when `value` has the shape of an API key. Cheap; no I/O. */
export function isWellFormedApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function isWellFormedKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}

/** Throws `InvalidInputError`, showing the shape of a key id, unless `value` has it. */
export function checkKeyId(value: string): void {
  if (!isWellFormedKeyId(value)) {
    throw new InvalidInputError(`"${value}" is not a key id (they look like key_0123456789abcdef)`);
  }
}

/**
 * Whether a key has expired at `nowSeconds`: its expiry is at or before then. The one test the
 * authorizer, the key list and rotate apply; a stored value of another type is compared as
 * JavaScript compares it, so all three read an odd record alike.
 */
export function isExpired(record: Pick<KeyRecord, 'expiresAt'>, nowSeconds: number): boolean {
  return record.expiresAt !== undefined && record.expiresAt <= nowSeconds;
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

/** The longest duration a key's expiry or a rotation's grace period may take: 10 years (3650 days). */
export const MAX_DURATION_SECONDS = 3650 * 86400;
export const MAX_DURATION_TEXT = '3650d (10 years)';

/** Parses `90s`, `15m`, `1h`, `30d`, `2w` into seconds, up to 10 years; throws `InvalidInputError` otherwise. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match)
    throw new InvalidInputError(`"${text}" is not a duration: use a number and a unit, like 90s, 15m, 1h, 30d or 2w`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]];
  if (!(seconds <= MAX_DURATION_SECONDS))
    throw new InvalidInputError(`"${text}" is too long: durations go up to ${MAX_DURATION_TEXT}`);
  return seconds;
}

/**
 * Characters that change what a terminal shows rather than showing themselves: C0 and C1
 * controls (escape sequences, carriage returns, newlines, tabs), DEL, the line and paragraph
 * separators, and the bidirectional marks, embeddings, overrides and isolates.
 */
export const UNSAFE_TEXT = /[\p{Cc}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;

/** The longest label a key may carry. */
export const MAX_LABEL_LENGTH = 200;

/** Checks a label given for a new key; throws `InvalidInputError` saying what is wrong. */
export function checkLabel(label: string): void {
  if (UNSAFE_TEXT.test(label))
    throw new InvalidInputError('the label must not contain control characters (newlines, tabs, escape sequences…)');
  if ([...label].length > MAX_LABEL_LENGTH)
    throw new InvalidInputError(`the label is too long: at most ${MAX_LABEL_LENGTH} characters`);
}
