import { randomBytes } from 'node:crypto';
import { digestApiKey } from '../../../lambdas/keys/key-format';

/** Shortest piece of a secret whose appearance in a log counts as a leak. */
const WINDOW = 16;
const TOKEN_RUN = /[A-Za-z0-9_-]{16,}/g;

export interface SecretFinding {
  readonly kind: 'api-key' | 'digest' | 'authorization';
  /** A few characters around the hit, with the secret itself masked. */
  readonly where: string;
}

/**
 * The secrets a test file handed out: API keys, their digests and Authorization values.
 * `scan` finds any 16-character piece of any of them in a text (so a truncated key, a key
 * without its prefix or half a digest counts too), plus literal Authorization values.
 */
export class SecretRegistry {
  private readonly pieces = new Map<string, SecretFinding['kind']>();
  private readonly literals = new Set<string>();
  private apiKeys = 0;
  private authorizations = 0;

  /** Registers a key and its digest. */
  addApiKey(apiKey: string): string {
    this.apiKeys++;
    this.addPieces(apiKey.replace(/^mcpg_/, ''), 'api-key');
    this.addPieces(digestApiKey(apiKey), 'digest');
    return apiKey;
  }

  /** Registers an Authorization value; its token-like runs of 16+ characters are scanned for, and the value literally. */
  addAuthorization(value: string): string {
    this.authorizations++;
    for (const run of value.match(TOKEN_RUN) ?? []) this.addPieces(run, 'authorization');
    if (value.trim().length >= 8) this.literals.add(value);
    return value;
  }

  /** A fresh Authorization value with a 32-character random token (`Bearer rel.<token>`), registered. */
  newAuthorization(): string {
    return this.addAuthorization(`Bearer rel.${randomBytes(24).toString('base64url')}`);
  }

  get counts(): { apiKeys: number; digests: number; authorizations: number } {
    return { apiKeys: this.apiKeys, digests: this.apiKeys, authorizations: this.authorizations };
  }

  scan(text: string): SecretFinding[] {
    const findings: SecretFinding[] = [];
    for (const match of text.matchAll(TOKEN_RUN)) {
      const run = match[0];
      for (let i = 0; i + WINDOW <= run.length; i++) {
        const kind = this.pieces.get(run.slice(i, i + WINDOW));
        if (kind) {
          findings.push({ kind, where: context(text, match.index + i) });
          break;
        }
      }
    }
    for (const literal of this.literals) {
      const at = text.indexOf(literal);
      if (at !== -1) findings.push({ kind: 'authorization', where: context(text, at) });
    }
    return findings;
  }

  private addPieces(secret: string, kind: SecretFinding['kind']): void {
    for (let i = 0; i + WINDOW <= secret.length; i++) this.pieces.set(secret.slice(i, i + WINDOW), kind);
  }
}

function context(text: string, at: number): string {
  return `${text.slice(Math.max(0, at - 60), at)}<secret>`;
}
