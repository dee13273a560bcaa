import type { PolicyDocument, Statement } from 'aws-lambda';

export type PolicyEffect = 'allow' | 'explicit-deny' | 'implicit-deny';

/**
 * Evaluates an authorizer's policy for one `execute-api:Invoke` on `methodArn` with IAM's
 * rules: an explicit Deny wins, then any Allow, else an implicit deny. `*` and `?` are
 * wildcards in actions and resources, as in IAM (`*` also spans `/`).
 */
export function evaluatePolicy(policy: PolicyDocument | undefined, methodArn: string): PolicyEffect {
  let allowed = false;
  for (const statement of policy?.Statement ?? []) {
    if (!matchesAction(statement) || !matchesResource(statement, methodArn)) continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function matchesAction(statement: Statement): boolean {
  const actions = list((statement as { Action?: string | string[] }).Action);
  return actions.some((action) => wildcard(action.toLowerCase(), 'execute-api:invoke'));
}

function matchesResource(statement: Statement, arn: string): boolean {
  const resources = list((statement as { Resource?: string | string[] }).Resource);
  return resources.some((resource) => wildcard(resource, arn));
}

function wildcard(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}
