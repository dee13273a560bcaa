/**
 * mcp-gate's CloudWatch metrics, written as Embedded Metric Format (EMF) log lines: Lambda
 * sends stdout to CloudWatch Logs, which extracts the metrics, so no function calls
 * `PutMetricData`. This module is the one definition of every metric's name, unit and
 * dimensions: the functions emit through it and the dashboard and alarms (lib/observability.ts)
 * read it, so both always agree.
 *
 * Dimensions are low-cardinality facts only (server, tool, outcome, reason, data source, status
 * class): never a key, a digest, a token or a key id. Per-key figures come from the keys'
 * `lastUsedAt`, the usage plans and the log lines, which carry the key id.
 *
 * The writer is this module rather than a library: it adds no dependency to the authorizer's
 * bundle and nothing to its cold start (docs/observability.md says how that was decided).
 */
import { writeLine } from './log-output';

/** The namespace of every mcp-gate metric. */
export const METRICS_NAMESPACE = 'McpGate';

/** CloudWatch units the records use. */
export type MetricUnit = 'Count' | 'Milliseconds';

interface RecordSpec {
  /** Each set becomes its own metric in CloudWatch (one per distinct combination of values). */
  readonly dimensionSets: readonly (readonly string[])[];
  readonly metrics: Readonly<Record<string, MetricUnit>>;
}

/**
 * One EMF record per event. Every metric of a record is published under each of its
 * dimension sets.
 */
export const METRIC_RECORDS = {
  /**
   * One per authorizer answer. `Outcome` is the log line's `decision` (allow, deny,
   * unauthorized, error); `Reason` its reason (`valid-key`, `unknown-key`, `revoked-key`,
   * `key-store-unavailable`, …). The set without `Server` serves stack-wide alarms.
   */
  authorization: {
    dimensionSets: [
      ['Server', 'Outcome'],
      ['Server', 'Outcome', 'Reason'],
      ['Outcome', 'Reason'],
    ],
    metrics: { AuthorizationDecisions: 'Count' },
  },
  /** One per `tools/call` a tool ran for. `Outcome`: see TOOL_OUTCOMES. */
  toolCall: {
    dimensionSets: [
      ['Server', 'Tool', 'Outcome'],
      ['Server', 'Tool'],
    ],
    metrics: { ToolCalls: 'Count', ToolCallDuration: 'Milliseconds' },
  },
  /**
   * One per downstream HTTP call a tool makes. `DataSource`: the downstream host
   * (`api.example.com`); `StatusClass`: `2xx` … `5xx`, or `error` when no response came.
   */
  downstreamCall: {
    dimensionSets: [
      ['Server', 'DataSource', 'StatusClass'],
      ['Server', 'DataSource'],
    ],
    metrics: { DownstreamCalls: 'Count', DownstreamCallDuration: 'Milliseconds' },
  },
  /** One per container, on its first invocation. `Service`: `authorizer` or `mcp`. */
  coldStart: {
    dimensionSets: [['Service']],
    metrics: { ColdStarts: 'Count' },
  },
} as const satisfies Record<string, RecordSpec>;

export type MetricRecordName = keyof typeof METRIC_RECORDS;
/** The dimension names of a record. */
export type DimensionOf<R extends MetricRecordName> = (typeof METRIC_RECORDS)[R]['dimensionSets'][number][number];
/** The metric names of a record. */
export type MetricOf<R extends MetricRecordName> = keyof (typeof METRIC_RECORDS)[R]['metrics'] & string;

/** Outcomes of a tool call: a result, a tool error result (`isError`), a thrown failure, a cancellation. */
export const TOOL_OUTCOMES = ['success', 'tool-error', 'failed', 'cancelled'] as const;
export type ToolOutcome = (typeof TOOL_OUTCOMES)[number];

/** Status classes of a downstream call. */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'error'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** CloudWatch accepts dimension values of 1–1024 characters; ours are names from the configuration. */
const MAX_DIMENSION_VALUE = 256;

/** Writes a line: stdout by default (see log-output.ts). */
export type MetricSink = (line: string) => void;

/**
 * The EMF line of one record: the `_aws` metadata, the dimension values, the metric values,
 * and `properties` (e.g. `requestId`) that are searchable in the logs but never dimensions.
 */
export function metricRecord<R extends MetricRecordName>(
  name: R,
  dimensions: Readonly<Record<DimensionOf<R>, string>>,
  values: Readonly<Record<MetricOf<R>, number>>,
  properties: Readonly<Record<string, string | number | undefined>> = {},
  nowMs: number = Date.now(),
): string {
  // Built by hand around the record's metadata, serialized once per container: the authorizer
  // writes one of these per decision.
  const known = describe(name);
  const fields: string[] = [];
  const taken = new Set<string>(['_aws']);
  for (const dimension of known.dimensions) {
    const value = (dimensions as Record<string, string>)[dimension];
    taken.add(dimension);
    fields.push(
      `${JSON.stringify(dimension)}:${JSON.stringify(value === undefined || value === '' ? 'none' : value.slice(0, MAX_DIMENSION_VALUE))}`,
    );
  }
  for (const [metric, value] of Object.entries(values as Record<string, number>)) {
    taken.add(metric);
    fields.push(`${JSON.stringify(metric)}:${JSON.stringify(value)}`);
  }
  // Properties never replace a dimension, a value or the metadata.
  const extra: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    if (value !== undefined && !taken.has(key)) extra.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  const aws = `"_aws":{"Timestamp":${JSON.stringify(nowMs)},"CloudWatchMetrics":${known.json}}`;
  return `{${[...extra, aws, ...fields].join(',')}}`;
}

/** Each record's `CloudWatchMetrics` JSON and the dimensions of its sets, once per container. */
const metadata = new Map<MetricRecordName, { readonly json: string; readonly dimensions: readonly string[] }>();

function describe(name: MetricRecordName): { readonly json: string; readonly dimensions: readonly string[] } {
  let known = metadata.get(name);
  if (!known) {
    const spec: RecordSpec = METRIC_RECORDS[name];
    known = {
      json: JSON.stringify([
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: spec.dimensionSets,
          Metrics: Object.entries(spec.metrics).map(([Name, Unit]) => ({ Name, Unit })),
        },
      ]),
      dimensions: [...new Set(spec.dimensionSets.flat())],
    };
    metadata.set(name, known);
  }
  return known;
}

/** Writes one record (see `metricRecord`) to stdout, or to `sink`. */
export function emitMetrics<R extends MetricRecordName>(
  name: R,
  dimensions: Readonly<Record<DimensionOf<R>, string>>,
  values: Readonly<Record<MetricOf<R>, number>>,
  properties?: Readonly<Record<string, string | number | undefined>>,
  sink: MetricSink = writeLine,
): void {
  sink(metricRecord(name, dimensions, values, properties));
}

/** `2xx` for 204, `error` when there was no response. */
export function statusClassOf(status: number | undefined): StatusClass {
  if (status === undefined || status < 200 || status > 599) return 'error';
  return `${Math.floor(status / 100)}xx` as StatusClass;
}
