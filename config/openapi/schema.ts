/**
 * Turns a dereferenced OpenAPI schema (3.0 or 3.1; a cyclic object graph where the document
 * is recursive) into a plain, finite JSON Schema for a tool's input: OpenAPI-only keywords
 * dropped, 3.0's `nullable` and boolean `exclusiveMinimum`/`exclusiveMaximum` rewritten,
 * `allOf` of objects merged, read-only properties left out, and recursion cut at a fixed depth.
 */
import type { JsonSchema } from '../types';

/** How many times one schema may appear on a path from the root: a recursive schema is expanded this deep, then cut. */
export const RECURSION_DEPTH = 2;
/** Deepest nesting kept whatever the schema; deeper levels are cut like recursion. */
export const MAX_SCHEMA_DEPTH = 12;
export const RECURSION_NOTE = 'Nested further in the API; not expanded here.';

/** Keywords copied as they are (their values hold no subschemas). */
const PLAIN_KEYWORDS = new Set([
  'type',
  'title',
  'description',
  'format',
  'enum',
  'const',
  'default',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
  'deprecated',
  'contentMediaType',
  'contentEncoding',
]);
const SUBSCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'not',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'unevaluatedProperties',
  'unevaluatedItems',
]);
const SUBSCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export interface SchemaOptions {
  /** The document's `openapi` version starts with 3.0 (`nullable`, boolean exclusive bounds). */
  readonly openapi30: boolean;
}

/** The tool-input JSON Schema for `schema`; never cyclic, never holds `$ref`. */
export function toInputSchema(schema: unknown, options: SchemaOptions): JsonSchema {
  return convert(schema, [], options);
}

function convert(schema: unknown, path: readonly object[], options: SchemaOptions): Obj {
  if (schema === true || schema === undefined) return {};
  if (schema === false) return { not: {} };
  if (!isObject(schema)) return {};
  const seen = path.filter((ancestor) => ancestor === schema).length;
  if (seen >= RECURSION_DEPTH || path.length >= MAX_SCHEMA_DEPTH) {
    const cut: Obj = { description: RECURSION_NOTE };
    if (typeof schema.type === 'string' || Array.isArray(schema.type)) cut.type = schema.type;
    return cut;
  }
  const inner = [...path, schema];
  const sub = (value: unknown): Obj => convert(value, inner, options);
  const out: Obj = {};
  for (const [key, value] of Object.entries(schema)) {
    if (PLAIN_KEYWORDS.has(key)) out[key] = value;
    else if (SUBSCHEMA_KEYWORDS.has(key)) out[key] = typeof value === 'boolean' ? value : sub(value);
    else if (SUBSCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) out[key] = value.map(sub);
    else if (key === 'properties' && isObject(value)) {
      const properties: Obj = {};
      for (const [name, property] of Object.entries(value)) {
        // The API sets read-only properties itself: a request carrying them is wrong or ignored.
        if (isObject(property) && property.readOnly === true) continue;
        properties[name] = sub(property);
      }
      out.properties = properties;
    } else if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'number') {
      out[key] = value;
    }
    // Everything else is OpenAPI-only or annotation (discriminator, xml, example, x-*, $ref
    // left by a cycle, $defs, readOnly, writeOnly, nullable): dropped or rewritten below.
  }
  if (options.openapi30) rewrite30(schema, out);
  if (Array.isArray(out.required) && isObject(out.properties)) {
    const properties = out.properties;
    out.required = (out.required as unknown[]).filter(
      (name): name is string => typeof name === 'string' && Object.hasOwn(properties, name),
    );
    if ((out.required as string[]).length === 0) delete out.required;
  }
  return mergeAllOf(out);
}

/** OpenAPI 3.0: `nullable: true` and boolean `exclusiveMinimum`/`exclusiveMaximum` as JSON Schema says them. */
function rewrite30(schema: Obj, out: Obj): void {
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (schema[flag] === true && typeof schema[bound] === 'number') {
      out[flag] = schema[bound];
      delete out[bound];
    }
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
}

/**
 * `allOf` whose members are all plain objects (properties, required, description) becomes one
 * object: clients handle a flat object far better than a composition. Anything else stays.
 */
function mergeAllOf(schema: Obj): Obj {
  const parts = schema.allOf;
  if (!Array.isArray(parts) || parts.length === 0) return schema;
  const mergeable = (part: Obj): boolean =>
    Object.keys(part).every((key) => ['type', 'properties', 'required', 'description', 'title'].includes(key)) &&
    (part.type === undefined || part.type === 'object');
  if (!parts.every((part) => isObject(part) && mergeable(part))) return schema;
  const { allOf: _allOf, ...rest } = schema;
  if (!mergeable(rest)) return schema;
  const properties: Obj = { ...((rest.properties as Obj | undefined) ?? {}) };
  const required = new Set<string>((rest.required as string[] | undefined) ?? []);
  for (const part of parts as Obj[]) {
    Object.assign(properties, part.properties ?? {});
    for (const name of (part.required as string[] | undefined) ?? []) required.add(name);
  }
  const merged: Obj = { ...rest, type: 'object', properties };
  if (merged.description === undefined) {
    const description = (parts as Obj[]).find((part) => typeof part.description === 'string')?.description;
    if (description !== undefined) merged.description = description;
  }
  if (required.size > 0) merged.required = [...required];
  return merged;
}
