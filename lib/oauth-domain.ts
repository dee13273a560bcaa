import type { Node } from 'constructs';
import { ConfigError } from '../config/errors';
import { OAUTH_PATHS } from '../config/oauth';
import type { ResolvedServer } from '../config/types';
import { CONTEXT_KEYS, stringFromContext } from './settings';

/** The custom domain `oauth` servers are deployed on. */
export interface OAuthDomainSettings {
  /** The host name, e.g. `mcp.example.com`: the issuer is `https://<domainName>`. */
  readonly domainName: string;
  /** An ACM certificate in the stack's Region that covers `domainName`. */
  readonly certificateArn: string;
  /**
   * The Route 53 zone to create the A/AAAA alias records in.
   * @default - no records: point the name at the `OAuthDomainTarget` output yourself
   */
  readonly hostedZone?: { readonly id: string; readonly name: string };
}

const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;

/**
 * The custom domain from context, or undefined when none is set. `domainName` and
 * `certificateArn` go together, as do `hostedZoneId` and `hostedZoneName`; throws `ConfigError`
 * naming the keys otherwise.
 */
export function oauthDomainFromContext(node: Node): OAuthDomainSettings | undefined {
  const domainName = stringFromContext(node, CONTEXT_KEYS.domainName)?.trim().toLowerCase();
  const certificateArn = stringFromContext(node, CONTEXT_KEYS.certificateArn)?.trim();
  const zoneId = stringFromContext(node, CONTEXT_KEYS.hostedZoneId)?.trim();
  const zoneName = stringFromContext(node, CONTEXT_KEYS.hostedZoneName)?.trim();
  if (domainName === undefined && certificateArn === undefined) {
    if (zoneId !== undefined || zoneName !== undefined) {
      throw new ConfigError(
        `context ${CONTEXT_KEYS.hostedZoneId} and ${CONTEXT_KEYS.hostedZoneName} need ${CONTEXT_KEYS.domainName} and ${CONTEXT_KEYS.certificateArn}`,
      );
    }
    return undefined;
  }
  if (domainName === undefined || certificateArn === undefined) {
    throw new ConfigError(`context ${CONTEXT_KEYS.domainName} and ${CONTEXT_KEYS.certificateArn} must be set together`);
  }
  if (!HOST_NAME.test(domainName)) {
    throw new ConfigError(
      `context ${CONTEXT_KEYS.domainName} must be a host name such as mcp.example.com, got "${domainName}"`,
    );
  }
  if (!CERTIFICATE_ARN.test(certificateArn)) {
    throw new ConfigError(`context ${CONTEXT_KEYS.certificateArn} must be an ACM certificate ARN`);
  }
  if ((zoneId === undefined) !== (zoneName === undefined)) {
    throw new ConfigError(
      `context ${CONTEXT_KEYS.hostedZoneId} and ${CONTEXT_KEYS.hostedZoneName} must be set together`,
    );
  }
  const hostedZone = zoneId !== undefined && zoneName !== undefined ? { id: zoneId, name: zoneName } : undefined;
  return { domainName, certificateArn, ...(hostedZone ? { hostedZone } : {}) };
}

/** The one warning a synth without a custom domain gives when it leaves `oauth` servers out. */
export function oauthServersLeftOutWarning(names: readonly string[]): string {
  return (
    `${names.join(', ')} (authMode oauth) left out: OAuth servers need a custom domain on AWS. ` +
    `Deploy them with -c ${CONTEXT_KEYS.domainName}=<host name> -c ${CONTEXT_KEYS.certificateArn}=<ACM certificate ARN> ` +
    `(optionally -c ${CONTEXT_KEYS.hostedZoneId}=… -c ${CONTEXT_KEYS.hostedZoneName}=… for DNS records); see docs/deploy.md. ` +
    'The other servers deploy as usual; npm start serves them all.'
  );
}

/** The first path segment of the authorization server's endpoints: `oauth`. */
export const AUTHORIZATION_SERVER_MAPPING = OAUTH_PATHS.endpointPrefix.slice(1);
/** The first path segment of the discovery documents: `.well-known`. */
export const DISCOVERY_MAPPING = OAUTH_PATHS.protectedResourceMetadata.split('/')[1];

/**
 * What the custom-domain layout needs of the servers, checked before any construct is made:
 * each `oauth` server has exactly one literal route (its mapping key), no server is called
 * `oauth`, and no route of another server lies under `/oauth/`, `/.well-known/` or an `oauth`
 * server's route, where the domain's mappings would send its requests elsewhere.
 */
export function checkOAuthLayout(servers: readonly ResolvedServer[]): void {
  const oauthRoutes: string[] = [];
  for (const server of servers) {
    if (server.name === AUTHORIZATION_SERVER_MAPPING) {
      throw new ConfigError(
        `server "${server.name}": the name is taken by the authorization server's /${AUTHORIZATION_SERVER_MAPPING}/ paths; rename it`,
      );
    }
    if (server.authMode !== 'oauth') continue;
    const [route] = server.routes;
    if (server.routes.length !== 1 || route === '/' || route.includes('{')) {
      throw new ConfigError(
        `server "${server.name}": an oauth server on AWS needs exactly one literal route (no {param}, not /), ` +
          `its custom-domain mapping; got ${server.routes.join(', ')}`,
      );
    }
    oauthRoutes.push(route);
  }
  const reserved = [`/${AUTHORIZATION_SERVER_MAPPING}`, `/${DISCOVERY_MAPPING}`, ...oauthRoutes];
  for (const server of servers) {
    if (server.authMode === 'oauth') continue;
    for (const route of server.routes) {
      const under = reserved.find((prefix) => route === prefix || route.startsWith(`${prefix}/`));
      if (under !== undefined) {
        throw new ConfigError(
          `route "${route}" of "${server.name}" lies under ${under}, which the custom domain maps to the OAuth layout; move it`,
        );
      }
    }
  }
}
