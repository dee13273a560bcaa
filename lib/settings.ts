import { Duration } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import type { ServerConfig } from '../config/types';
import { envVarsOf } from '../config/validate';
import { ConfigError } from '../config/errors';

/** The CDK context keys mcp-gate reads (`cdk.json` or `-c key=value`). */
export const CONTEXT_KEYS = {
  /** API Gateway authorizer cache TTL in seconds, 0–3600 (0 turns the cache off). Default 60. */
  authCacheTtlSeconds: 'mcp-gate:authCacheTtlSeconds',
  /** A map of values for the environment variables server configurations read, e.g. `{ "DOWNSTREAM_URL": "https://…" }`. */
  serverEnv: 'mcp-gate:serverEnv',
  /**
   * Whether the stack sets the account's API Gateway CloudWatch Logs role in its Region (an
   * account-wide setting; the stage's logs need one). Default false: see docs/deploy.md.
   */
  apiGatewayCloudWatchRole: 'mcp-gate:apiGatewayCloudWatchRole',
  /** Shape the template for `sam local` (declares the variables an env.json may set). Never deploy it. Default false. */
  samLocal: 'mcp-gate:samLocal',
  /** App mode: attach to an existing REST API with this id (needs the root resource id too). */
  existingRestApiId: 'mcp-gate:existingRestApiId',
  existingRestApiRootResourceId: 'mcp-gate:existingRestApiRootResourceId',
  /** The existing REST API's stage to deploy the new methods to; unset: its owner deploys them. */
  existingRestApiStage: 'mcp-gate:existingRestApiStage',
  /** The existing REST API's name: with its stage, the dashboard and alarms read its metrics (published by name). */
  existingRestApiName: 'mcp-gate:existingRestApiName',
  /** App mode: attach to an existing HTTP API with this id. */
  existingHttpApiId: 'mcp-gate:existingHttpApiId',
  /** The existing-API stack uses this keys table (e.g. the main stack's) instead of creating one. */
  keysTableName: 'mcp-gate:keysTableName',
  /** The custom domain `oauth` servers are served on (with `certificateArn`); unset: they are left out. */
  domainName: 'mcp-gate:domainName',
  /** An ACM certificate in the stack's Region covering `domainName`. */
  certificateArn: 'mcp-gate:certificateArn',
  /** Optional, with `hostedZoneName`: the Route 53 zone to create the domain's A/AAAA alias records in. */
  hostedZoneId: 'mcp-gate:hostedZoneId',
  hostedZoneName: 'mcp-gate:hostedZoneName',
  /** X-Ray active tracing on the functions and the stage. Default false. */
  tracing: 'mcp-gate:tracing',
  /** An email address the alarms notify through an SNS topic. Default: none (alarms without action). */
  alarmEmail: 'mcp-gate:alarmEmail',
  /** The main stack's API: `rest` (default) or `http` (an API Gateway HTTP API, see docs/deploy.md). */
  apiType: 'mcp-gate:apiType',
} as const;

/** One of `choices` from context; throws `ConfigError` naming the key and the choices otherwise. */
export function choiceFromContext<T extends string>(node: Node, key: string, choices: readonly T[], fallback: T): T {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw === 'string' && (choices as readonly string[]).includes(raw.trim())) return raw.trim() as T;
  throw new ConfigError(`context ${key} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
}

/** The authorizer cache TTL from context; throws `ConfigError` naming the key when it is not 0–3600 whole seconds. */
export function authCacheTtlFromContext(node: Node): Duration {
  const raw: unknown = node.tryGetContext(CONTEXT_KEYS.authCacheTtlSeconds);
  if (raw === undefined || raw === null || raw === '') return Duration.seconds(60);
  const seconds =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new ConfigError(
      `context ${CONTEXT_KEYS.authCacheTtlSeconds} must be whole seconds from 0 to 3600, got ${JSON.stringify(raw)}`,
    );
  }
  return Duration.seconds(seconds);
}

/**
 * Values for the environment variables the servers' configurations read (`envVarsOf`):
 * `-c NAME=value` first, then the `mcp-gate:serverEnv` map. Names without a value are left out.
 */
export function serverEnvironmentFromContext(node: Node, servers: readonly ServerConfig[]): Record<string, string> {
  const map: unknown = node.tryGetContext(CONTEXT_KEYS.serverEnv) ?? {};
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new ConfigError(`context ${CONTEXT_KEYS.serverEnv} must be an object of variable names to values`);
  }
  const values: Record<string, string> = {};
  for (const name of new Set(servers.flatMap((server) => envVarsOf(server)))) {
    const value: unknown = node.tryGetContext(name) ?? (map as Record<string, unknown>)[name];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ConfigError(`context value for ${name} must be a string`);
    }
    values[name] = String(value);
  }
  return values;
}

/** A boolean context value (`true`/`false`, also as strings from `-c`); throws `ConfigError` naming the key otherwise. */
export function booleanFromContext(node: Node, key: string, fallback: boolean): boolean {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ConfigError(`context ${key} must be true or false, got ${JSON.stringify(raw)}`);
}

/** An optional string context value. */
export function stringFromContext(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new ConfigError(`context ${key} must be a string`);
  return raw;
}

export { pascalCase } from './output-names';

/** The alarm email from context, if any; throws `ConfigError` naming the key when it is not an email address. */
export function alarmEmailFromContext(node: Node): string | undefined {
  const email = stringFromContext(node, CONTEXT_KEYS.alarmEmail)?.trim();
  if (email === undefined || email === '') return undefined;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new ConfigError(`context ${CONTEXT_KEYS.alarmEmail} must be an email address, got ${JSON.stringify(email)}`);
  }
  return email;
}
