import type { Template } from 'aws-cdk-lib/assertions';
import type { ResolvedServer } from '../../config/types';
import { METRIC_RECORDS, METRICS_NAMESPACE } from '../../lambdas/shared/metrics';

/**
 * Readers of the synthesized dashboard and alarms, shared by the observability template tests
 * of each API type.
 */

export type Resource = { Type: string; Properties: Record<string, unknown> };

export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** The alarms by their stable name (`KeyStoreUnavailable`, `<Server>ServerErrors`, …). */
export function alarmsOf(template: Template): Record<string, Resource['Properties']> {
  const byName: Record<string, Resource['Properties']> = {};
  for (const [id, alarm] of Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm'))) {
    byName[id.replace(/^Observability/, '').replace(/Alarm[0-9A-F]{8}$/, '')] = alarm.Properties;
  }
  return byName;
}

/** An alarm's metric names and dimensions, whether it reads one metric or a math expression. */
export function alarmMetrics(alarm: Record<string, unknown>): { name: string; dimensions: Record<string, unknown> }[] {
  type Dimension = { Name: string; Value: unknown };
  const toObject = (dimensions: Dimension[] = []) => Object.fromEntries(dimensions.map((d) => [d.Name, d.Value]));
  if (alarm.MetricName) {
    return [{ name: String(alarm.MetricName), dimensions: toObject(alarm.Dimensions as Dimension[]) }];
  }
  return (alarm.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: Dimension[] } } }[]).flatMap(
    (m) =>
      m.MetricStat
        ? [{ name: m.MetricStat.Metric.MetricName, dimensions: toObject(m.MetricStat.Metric.Dimensions) }]
        : [],
  );
}

/** A metric row of a widget: namespace, name, dimension name/value pairs, then its options. */
export type MetricRow = unknown[];

export interface Widget {
  type: string;
  properties: { title?: string; markdown?: string; metrics?: MetricRow[] };
}

/**
 * The dashboard body as JSON. CloudFormation references become `ref:<logical id>`; other
 * tokens (attributes, the Region) become `REF`.
 */
export function dashboardOf(template: Template): { widgets: Widget[] } {
  const [dashboard] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
  const body = dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      return ref === undefined ? 'REF' : `ref:${ref}`;
    })
    .join('');
  return JSON.parse(text);
}

export function graphsOf(template: Template): Widget[] {
  return dashboardOf(template).widgets.filter((w) => w.type === 'metric');
}

export function graphTitled(graphs: readonly Widget[], title: string): Widget {
  const found = graphs.filter((w) => w.properties.title === title);
  if (found.length !== 1) throw new Error(`expected one graph titled "${title}", found ${found.length}`);
  return found[0];
}

/** A row's dimensions as an object. */
export function dimensionsOf(row: MetricRow): Record<string, string> {
  const parts = row.slice(2).filter((part): part is string => typeof part === 'string');
  const dimensions: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) dimensions[parts[i]] = parts[i + 1];
  return dimensions;
}

/** The graph titles the dashboard has for these servers, in order. */
export function expectedGraphTitles(
  servers: readonly Pick<ResolvedServer, 'name' | 'authMode'>[],
  options: {
    readonly authorizationServer?: boolean;
    /** Whether the servers' API Gateway figures are known (not on an imported REST API without its name). @default true */
    readonly apiGateway?: boolean;
  } = {},
): string[] {
  return [
    'Key store errors (authorizer)',
    'Unknown-key denials',
    'Throttles (Lambda)',
    'Cold starts',
    'Downstream calls by server, data source and status class',
    'Downstream call duration p99',
    ...servers.flatMap((server) => [
      ...(options.apiGateway === false ? [] : [`${server.name}: requests, 4xx, 5xx`, `${server.name}: latency`]),
      ...(server.authMode === 'none' ? [] : [`${server.name}: authorizer decisions`]),
      `${server.name}: tool calls`,
      `${server.name}: tool errors`,
      `${server.name}: tool duration p50 / p99`,
      `${server.name}: handler throttles`,
    ]),
    ...(options.authorizationServer
      ? [
          'authorization server: requests, 4xx, 5xx',
          'authorization server: latency',
          'authorization server: function errors and throttles',
        ]
      : []),
  ];
}

/**
 * Expects every `McpGate` metric and `SEARCH` of the graphs to name a metric the functions emit
 * (lambdas/shared/metrics.ts) with one of its dimension sets; returns how many were checked.
 */
export function expectOnlyEmittedMetrics(graphs: readonly Widget[]): number {
  const emitted = Object.values(METRIC_RECORDS).flatMap((record) =>
    Object.keys(record.metrics).map((name) => ({ name, sets: record.dimensionSets.map((set) => [...set].sort()) })),
  );
  let checked = 0;
  for (const widget of graphs) {
    for (const row of widget.properties.metrics ?? []) {
      const first = row[0];
      if (typeof first === 'object' && first !== null && 'expression' in first) {
        const search = /^SEARCH\('\{([^}]+)\} MetricName="([^"]+)"'/.exec(String(first.expression));
        expect(search).not.toBeNull();
        const [namespace, ...dimensions] = search![1].split(',');
        expect(namespace).toBe(METRICS_NAMESPACE);
        const metric = emitted.find((m) => m.name === search![2]);
        expect(metric?.sets).toContainEqual([...dimensions].sort());
        checked++;
        continue;
      }
      if (first !== METRICS_NAMESPACE) continue;
      const name = String(row[1]);
      const names = Object.keys(dimensionsOf(row)).sort();
      const metric = emitted.find((m) => m.name === name);
      expect({ name, sets: metric?.sets }).toEqual({ name, sets: expect.arrayContaining([names]) });
      checked++;
    }
  }
  return checked;
}
