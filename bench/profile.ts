import { Session } from 'node:inspector';
import { relative } from 'node:path';

/** A function's share of the CPU samples taken while profiling. */
export interface ProfileEntry {
  readonly fn: string;
  readonly where: string;
  /** Percent of the busy samples (idle time and the profiler's own `dispatch` left out). */
  readonly percent: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const ROOT = relative('/', process.cwd());
/** Samples that are not the measured work: waiting, and the inspector answering `Profiler.stop`. */
const NOT_WORK = new Set(['(idle)@(native)', 'dispatch@(native)']);

function post<T>(session: Session, method: string, params?: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/** A script URL as a path inside the repository, or inside node_modules. */
function where(url: string): string {
  if (url === '') return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const inRepo = path.includes(`/${ROOT}/`) ? path.slice(path.indexOf(`/${ROOT}/`) + ROOT.length + 2) : path;
  return inRepo.includes('node_modules/') ? inRepo.slice(inRepo.lastIndexOf('node_modules/') + 13) : inRepo;
}

const keyOf = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'}@${where(node.callFrame.url)}`;

/** Runs `work` under the V8 CPU profiler of this process, sampling every `intervalUs`. */
export async function profile(work: () => Promise<void>, intervalUs = 100): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: intervalUs });
    await post(session, 'Profiler.start');
    await work();
    return (await post<{ profile: CpuProfile }>(session, 'Profiler.stop')).profile;
  } finally {
    await post(session, 'Profiler.disable').catch(() => {});
    session.disconnect();
  }
}

/** Microseconds of each sample's node, and of all busy samples. */
function sampleTimes(cpu: CpuProfile): { selfUs: Map<number, number>; busyUs: number } {
  const byId = new Map(cpu.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let busyUs = 0;
  cpu.samples.forEach((id, index) => {
    const delta = cpu.timeDeltas[index] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    if (!NOT_WORK.has(keyOf(byId.get(id)!))) busyUs += delta;
  });
  return { selfUs, busyUs };
}

/** The functions with the most self time, merged by name and file. */
export function selfTime(cpu: CpuProfile, top = 10): ProfileEntry[] {
  const { selfUs, busyUs } = sampleTimes(cpu);
  const merged = new Map<string, { fn: string; where: string; us: number }>();
  for (const node of cpu.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const key = keyOf(node);
    if (us === 0 || NOT_WORK.has(key)) continue;
    const entry = merged.get(key) ?? {
      fn: node.callFrame.functionName || '(anonymous)',
      where: where(node.callFrame.url),
      us: 0,
    };
    entry.us += us;
    merged.set(key, entry);
  }
  return [...merged.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((entry) => ({ fn: entry.fn, where: entry.where, percent: (entry.us / busyUs) * 100 }));
}

/**
 * Inclusive time (the function and everything it calls, counted once per sample) of each
 * `name@file` asked for, as a percentage of the busy samples.
 */
export function inclusiveTime(
  cpu: CpuProfile,
  keys: readonly string[],
): { percent: Record<string, number>; busyMs: number } {
  const { selfUs, busyUs } = sampleTimes(cpu);
  const byId = new Map(cpu.nodes.map((node) => [node.id, node]));
  const wanted = new Set(keys);
  const totals = new Map<string, number>(keys.map((key) => [key, 0]));
  // Walk the call tree once, carrying which wanted functions are on the stack.
  const visit = (id: number, onStack: ReadonlySet<string>): void => {
    const node = byId.get(id)!;
    const key = keyOf(node);
    const stack = wanted.has(key) && !onStack.has(key) ? new Set([...onStack, key]) : onStack;
    const us = selfUs.get(id) ?? 0;
    if (us > 0) for (const k of stack) totals.set(k, totals.get(k)! + us);
    for (const child of node.children ?? []) visit(child, stack);
  };
  visit(cpu.nodes[0].id, new Set());
  const percent: Record<string, number> = {};
  for (const [key, us] of totals) percent[key] = (us / busyUs) * 100;
  return { percent, busyMs: busyUs / 1000 };
}
