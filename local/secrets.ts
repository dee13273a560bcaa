/**
 * Secrets for the local stack. `npm start` resolves the secret references of the servers'
 * tools (config/types.ts `SecretRef`) from a git-ignored JSON file, `.local/secrets.json`
 * (`MCP_GATE_SECRETS_FILE` to use another), keyed like `secretKey`:
 * `{ "secretsManager:<name or ARN>": "value", "ssm:<parameter name>": "value" }`.
 * The demo servers' secrets are made up at each start unless the file sets them.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/errors';
import { secretKey, secretRefsOf } from '../config/outbound-auth';
import type { ServerConfig } from '../config/types';
import { LOCAL_DIR } from './state';

export const SECRETS_FILE_VARIABLE = 'MCP_GATE_SECRETS_FILE';

/** The demo's secret references (config/servers.ts); the local stack invents their values. */
export const DEMO_SECRETS = {
  petsApiKey: 'secretsManager:mcp-gate/demo/pets-api-key',
  clientSecret: 'secretsManager:mcp-gate/demo/oauth-client-secret',
} as const;

/** The local secrets file: `MCP_GATE_SECRETS_FILE`, else `.local/secrets.json`. */
export function localSecretsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env[SECRETS_FILE_VARIABLE] || path.join(LOCAL_DIR, 'secrets.json'));
}

/**
 * Every secret value the servers reference, by `secretKey`. Throws `ConfigError` naming each
 * reference the file does not set (never a value), or when the file is not a JSON object of strings.
 */
export function loadLocalSecrets(servers: readonly ServerConfig[], file: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of Object.values(DEMO_SECRETS)) values[key] = randomBytes(24).toString('base64url');
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new ConfigError(`local secrets file ${file} is not valid JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`local secrets file ${file} must hold one JSON object`);
    }
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') throw new ConfigError(`local secrets file ${file}: "${key}" must be a string`);
      values[key] = value;
    }
  }
  const missing = servers.flatMap((server) =>
    secretRefsOf(server)
      .map(secretKey)
      .filter((key) => !Object.hasOwn(values, key))
      .map((key) => `${key} (server ${server.name})`),
  );
  if (missing.length > 0) {
    throw new ConfigError(
      `secrets not found: ${missing.join(', ')}; set them in ${file} as { "<reference>": "<value>" } (docs/data-sources.md)`,
    );
  }
  return values;
}
