import type { PlanFields } from './key-store';

/** The DynamoDB update (for either key store adapter) that sets the given plan fields and removes those given as `undefined`. */
export function planFieldsUpdate(fields: PlanFields): {
  readonly expression: string;
  readonly values: Record<string, { S: string }> | undefined;
  readonly names: Record<string, string>;
} {
  const set: string[] = [];
  const remove: string[] = [];
  const values: Record<string, { S: string }> = {};
  const names: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    names[`#${name}`] = name;
    if (value === undefined) remove.push(`#${name}`);
    else {
      set.push(`#${name} = :${name}`);
      values[`:${name}`] = { S: String(value) };
    }
  }
  const expression = [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
  return { expression, values: Object.keys(values).length ? values : undefined, names };
}
