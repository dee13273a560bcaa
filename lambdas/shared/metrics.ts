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
 * Powertools for AWS Lambda's Metrics builds and checks each record (EMF structure, units,
 * dimension limits); the record is written as one line through log-output.ts, like every other
 * line of the functions, as soon as it is built: nothing is buffered across events.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger, describeError, type Logger } from './logger';
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

/** The EMF metadata's key in a record. */
const EMF_METADATA = '_aws';

/**
 * The EMF line of one record: the `_aws` metadata, the dimension values, the metric values,
 * and `properties` (e.g. `requestId`) that are searchable in the logs but never dimensions.
 */
export function metricRecord<R extends MetricRecordName>(
  name: R,
  dimensions: Readonly<Record<DimensionOf<R>, string>>,
  values: Readonly<Record<MetricOf<R>, number>>,
  properties: Readonly<Record<string, string | undefined>> = {},
  /** @default the time it is built */
  nowMs?: number,
): string {
  const spec: RecordSpec = METRIC_RECORDS[name];
  const metrics = writer();
  // Built and serialized in one synchronous step, so two records never share the writer's store.
  try {
    const taken = new Set<string>([EMF_METADATA]);
    for (const set of spec.dimensionSets) {
      metrics.addDimensions(
        Object.fromEntries(set.map((dimension) => [dimension, dimensionValue(dimensions, dimension)])),
      );
      for (const dimension of set) taken.add(dimension);
    }
    for (const [metric, unit] of Object.entries(spec.metrics)) {
      metrics.addMetric(metric, unit, (values as Record<string, number>)[metric]);
      taken.add(metric);
    }
    // Properties never replace a dimension, a value or the metadata.
    for (const [key, value] of Object.entries(properties)) {
      if (value !== undefined && !taken.has(key)) metrics.addMetadata(key, value);
    }
    if (nowMs !== undefined) metrics.setTimestamp(nowMs);
    return JSON.stringify(metrics.serializeMetrics());
  } finally {
    metrics.clearMetrics();
    metrics.clearDimensions();
    metrics.clearMetadata();
  }
}

/** Empty values become `none` (CloudWatch refuses empty dimension values); long ones are cut. */
function dimensionValue(dimensions: Readonly<Record<string, string>>, dimension: string): string {
  const value = dimensions[dimension];
  return value === undefined || value === '' ? 'none' : value.slice(0, MAX_DIMENSION_VALUE);
}

/** Powertools' warning about a dimension that two sets of the same record share. */
const SHARED_DIMENSION = /is defined as both a dimension set and dimension set;/;

let metricsWriter: Metrics | undefined;
let warnings: Logger | undefined;

/**
 * The container's one Powertools `Metrics`, built on first use: no `service` default dimension
 * (each record has exactly its dimension sets), and its own warnings as JSON log lines.
 */
function writer(): Metrics {
  if (!metricsWriter) {
    const log = (message: unknown): void => {
      // Powertools warns whenever two dimension sets share a dimension, even with the same
      // value; every record here does so by design (each dimension has one value per record).
      if (SHARED_DIMENSION.test(String(message))) return;
      warnings ??= createLogger('metrics');
      warnings.warn('metric record', { detail: String(message) });
    };
    metricsWriter = new Metrics({
      namespace: METRICS_NAMESPACE,
      logger: { debug: () => undefined, info: () => undefined, warn: log, error: log },
    });
    metricsWriter.clearDefaultDimensions();
  }
  return metricsWriter;
}

/**
 * Writes one record (see `metricRecord`) as a line: stdout, or `sink`. A record that cannot be
 * built is reported as a warning and dropped: a metric never fails the request it counts.
 */
export function emitMetrics<R extends MetricRecordName>(
  name: R,
  dimensions: Readonly<Record<DimensionOf<R>, string>>,
  values: Readonly<Record<MetricOf<R>, number>>,
  properties?: Readonly<Record<string, string | undefined>>,
  sink: MetricSink = writeLine,
): void {
  let line: string;
  try {
    line = metricRecord(name, dimensions, values, properties);
  } catch (error) {
    warnings ??= createLogger('metrics');
    warnings.warn('metric record dropped', { record: name, ...describeError(error) });
    return;
  }
  sink(line);
}

/** `2xx` for 204, `error` when there was no response. */
export function statusClassOf(status: number | undefined): StatusClass {
  if (status === undefined || status < 200 || status > 599) return 'error';
  return `${Math.floor(status / 100)}xx` as StatusClass;
}
