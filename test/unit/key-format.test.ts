import { servers } from '../../config/servers';
import { decide } from '../../lambdas/authorizer/decide';
import { keyStatus } from '../../cli/output';
import type { KeyRecord } from '../../lambdas/keys/key-store';
import {
  checkKeyId,
  checkLabel,
  digestApiKey,
  generateApiKey,
  generateKeyId,
  isExpired,
  isWellFormedApiKey,
  isWellFormedKeyId,
  keyHint,
  MAX_DURATION_SECONDS,
  parseDuration,
} from '../../lambdas/keys/key-format';
import { InvalidInputError } from '../../lambdas/shared/errors';

describe('key format', () => {
  it('generates well-formed keys carrying 192 random bits, never the same twice', () => {
    const keys = Array.from({ length: 2000 }, generateApiKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) {
      expect(isWellFormedApiKey(key)).toBe(true);
      expect(Buffer.from(key.slice(5), 'base64url')).toHaveLength(24);
    }
  });

  it('generates key ids of the documented shape', () => {
    const ids = Array.from({ length: 500 }, generateKeyId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every(isWellFormedKeyId)).toBe(true);
  });

  it.each([
    '',
    'mcpg_',
    'mcpg_' + 'a'.repeat(31),
    'mcpg_' + 'a'.repeat(33),
    'MCPG_' + 'a'.repeat(32),
    'mcpg_' + 'a'.repeat(31) + '=',
    ' mcpg_' + 'a'.repeat(32),
  ])('rejects the malformed key %j', (value) => expect(isWellFormedApiKey(value)).toBe(false));

  it('digests with SHA-256 (hex), deterministically', () => {
    expect(digestApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const key = generateApiKey();
    expect(digestApiKey(key)).toBe(digestApiKey(key));
  });

  it('hints with the prefix and last four characters only', () => {
    const key = generateApiKey();
    const hint = keyHint(key);
    expect(hint).toBe(`mcpg_…${key.slice(-4)}`);
    expect(hint).not.toContain(key.slice(5, 33));
  });

  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['30d', 2_592_000],
    ['2w', 1_209_600],
  ])('parses the duration %s', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', '30', 'd', '1.5h', '-1d', '1y'])('rejects the duration %j with a clear error', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidInputError);
    expect(() => parseDuration(text)).toThrow(/not a duration/);
  });

  it.each(['3650d', '521w', `${MAX_DURATION_SECONDS}s`])('accepts the duration %s (up to 10 years)', (text) => {
    expect(parseDuration(text)).toBeLessThanOrEqual(MAX_DURATION_SECONDS);
  });

  it.each(['3651d', '100000000d', '9'.repeat(400) + 's'])(
    'rejects the duration %s as too long, naming the limit',
    (text) => {
      expect(() => parseDuration(text)).toThrow(InvalidInputError);
      expect(() => parseDuration(text)).toThrow(/too long: durations go up to 3650d \(10 years\)/);
    },
  );

  it.each(['laptop', 'Zoë’s laptop 💻', 'a\\b', ''])('accepts the label %j', (label) => {
    expect(() => checkLabel(label)).not.toThrow();
  });

  it.each([
    'a\u001b[2J',
    'a\nb',
    'a\rb',
    'a\tb',
    'a\u0000',
    'a\u007f',
    'a\u009b',
    'a\u202eb',
    'a\u2066b',
    'a\u2028b',
    'x'.repeat(201),
  ])('rejects the label %j', (label) => {
    expect(() => checkLabel(label)).toThrow(InvalidInputError);
  });
});

describe('isExpired', () => {
  const now = 1_800_000_000;
  const record = (expiresAt: unknown): KeyRecord => ({
    digest: 'd'.repeat(64),
    keyId: 'key_0123456789abcdef',
    server: 'demo-apikey',
    hint: 'mcpg_…abcd',
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: expiresAt as number,
  });

  it.each([
    { expiresAt: undefined, expired: false },
    { expiresAt: now + 1, expired: false },
    { expiresAt: now, expired: true },
    { expiresAt: now - 1, expired: true },
    { expiresAt: 0, expired: true },
    // stored values of another type, read as the comparison reads them
    { expiresAt: String(now - 1), expired: true },
    { expiresAt: String(now + 1), expired: false },
    { expiresAt: 'soon', expired: false },
    { expiresAt: null, expired: true },
  ])('a key expiring at $expiresAt is expired: $expired', ({ expiresAt, expired }) => {
    expect(isExpired(record(expiresAt), now)).toBe(expired);
  });

  it('is the test the authorizer, the key list and rotate share', () => {
    const target = servers.find((server) => server.name === 'demo-apikey')!;
    for (const expiresAt of [undefined, now + 1, now, now - 1, String(now - 1), 'soon', null]) {
      const expired = isExpired(record(expiresAt), now);

      expect(decide(target, record(expiresAt), servers, now, false)).toMatchObject({
        effect: expired ? 'unauthorized' : 'allow',
      });
      expect(keyStatus(record(expiresAt), now)).toBe(expired ? 'expired' : 'active');
    }
  });
});

describe('checkKeyId', () => {
  it('accepts a key id', () => {
    expect(() => checkKeyId(generateKeyId())).not.toThrow();
  });

  it.each(['key_0123', 'KEY_0123456789ABCDEF', 'mcpg_' + 'A'.repeat(32), ''])('refuses %j, showing the shape', (id) => {
    expect(() => checkKeyId(id)).toThrow(InvalidInputError);
    expect(() => checkKeyId(id)).toThrow(`"${id}" is not a key id (they look like key_0123456789abcdef)`);
  });
});
