import { caseName, type BenchCase } from './cases';

/** One measured run of one case. */
export interface CaseRun {
  reqPerSec: number;
  p99Ms: number;
  cpuUsPerReq: number;
  /** p99 event-loop delay of the server during the run (Nest apps only). */
  loopDelayP99Ms?: number;
}

/** One case's runs and their medians. */
export interface CaseResult {
  case: string;
  app: string;
  route: string;
  runs: CaseRun[];
  reqPerSec: number;
  p99Ms: number;
  cpuUsPerReq: number;
  loopDelayP99Ms?: number;
}

/** A median with the smallest and largest value over the rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/**
 * Ours ÷ the other, computed round by round (cases are interleaved, so both
 * sides of a round ran under the same load): req/s as is, CPU µs/req inverted
 * so that above 1 means better for both.
 */
export interface Ratio {
  name: string;
  reqPerSec: Spread;
  cpu: Spread;
  /** Which ratio the target is on: CPU unless said otherwise. */
  metric: 'cpu' | 'reqPerSec';
  target?: number;
  /** Whether the median of `metric` meets the target. */
  met?: boolean;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const spread = (values: number[]): Spread => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

export function summarize(c: BenchCase, runs: CaseRun[]): CaseResult {
  const delays = runs.flatMap((r) => (r.loopDelayP99Ms === undefined ? [] : [r.loopDelayP99Ms]));
  return {
    case: caseName(c),
    app: c.app,
    route: c.route,
    runs,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    cpuUsPerReq: median(runs.map((r) => r.cpuUsPerReq)),
    loopDelayP99Ms: delays.length ? median(delays) : undefined,
  };
}

interface RatioSpec {
  name: string;
  ours: string;
  other: string;
  target?: number;
  metric?: 'cpu' | 'reqPerSec';
}

const RATIOS: RatioSpec[] = [
  { name: '/read ÷ nest-floor', ours: 'nest-redis /read', other: 'nest-floor /read', target: 0.9 },
  {
    name: '/write ÷ nest-floor',
    ours: 'nest-redis /write',
    other: 'nest-floor /write',
    target: 0.9,
  },
  {
    name: 'Fastify /read ÷ fastify-floor',
    ours: 'nest-fastify-redis /read',
    other: 'nest-fastify-floor /read',
    target: 0.85,
  },
  {
    name: 'Fastify /write ÷ fastify-floor',
    ours: 'nest-fastify-redis /write',
    other: 'nest-fastify-floor /write',
  },
  {
    name: 'filesystem /read ÷ Redis',
    ours: 'nest-filesystem /read',
    other: 'nest-redis /read',
    target: 1,
  },
  {
    name: 'filesystem /write ÷ Redis',
    ours: 'nest-filesystem /write',
    other: 'nest-redis /write',
    target: 1,
  },
  {
    name: 'filesystem /read ÷ session-file-store',
    ours: 'nest-filesystem /read',
    other: 'express-session-file /read',
    target: 3,
    metric: 'reqPerSec',
  },
  {
    name: 'filesystem /write ÷ session-file-store',
    ours: 'nest-filesystem /write',
    other: 'express-session-file /write',
    target: 3,
    metric: 'reqPerSec',
  },
  {
    name: 'filesystem /read sync ÷ async I/O',
    ours: 'nest-filesystem /read',
    other: 'nest-filesystem-async /read',
  },
  {
    name: 'filesystem /write sync ÷ async I/O',
    ours: 'nest-filesystem /write',
    other: 'nest-filesystem-async /write',
  },
  ...(['redis', 'filesystem'] as const).flatMap((store) =>
    (['/read', '/write'] as const).map((route) => ({
      name: `${store} ${route} userKey ÷ without`,
      ours: `nest-${store}-users ${route}`,
      other: `nest-${store}-signed-in ${route}`,
      target: 0.95,
    })),
  ),
  {
    name: 'Cluster /read ÷ standalone',
    ours: 'nest-redis-cluster /read',
    other: 'nest-redis /read',
    target: 0.9,
  },
  {
    name: '/plain with module ÷ without',
    ours: 'nest-redis /plain',
    other: 'nest-none /plain',
    target: 0.97,
  },
  {
    name: 'Fastify /plain with ÷ without',
    ours: 'nest-fastify-redis /plain',
    other: 'nest-fastify-none /plain',
  },
  {
    name: '/read ÷ express-session',
    ours: 'nest-redis /read',
    other: 'express-session /read',
    target: 1.25,
  },
  {
    name: '/write ÷ express-session',
    ours: 'nest-redis /write',
    other: 'express-session /write',
    target: 1.25,
  },
  {
    // Two requests at a time on each session: merged here, last writer wins there.
    name: '/write-conflict ÷ express-session',
    ours: 'nest-redis /write-conflict',
    other: 'express-session /write-conflict',
  },
  { name: '/new ÷ express-session', ours: 'nest-redis /new', other: 'express-session /new' },
  { name: '/plain ÷ express-session', ours: 'nest-redis /plain', other: 'express-session /plain' },
];

export function ratios(results: CaseResult[]): Ratio[] {
  const byCase = new Map(results.map((r) => [r.case, r]));
  return RATIOS.flatMap(({ name, ours, other, target, metric = 'cpu' }) => {
    const a = byCase.get(ours);
    const b = byCase.get(other);
    if (!a || !b) return [];
    const rounds = a.runs.map((run, i) => ({ ours: run, other: b.runs[i] }));
    const reqPerSec = spread(rounds.map((r) => r.ours.reqPerSec / r.other.reqPerSec));
    const cpu = spread(rounds.map((r) => r.other.cpuUsPerReq / r.ours.cpuUsPerReq));
    const value = metric === 'cpu' ? cpu.median : reqPerSec.median;
    return [
      {
        name,
        reqPerSec,
        cpu,
        metric,
        target,
        met: target === undefined ? undefined : value >= target,
      },
    ];
  });
}

const pad = (text: string, width: number, right = false) =>
  right ? text.padStart(width) : text.padEnd(width);
const range = (s: Spread) => `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

/** What a target line says: the ratio, on which measure, the target, met or missed. */
export function targetLine(r: Ratio): string {
  const measure = r.metric === 'cpu' ? 'CPU' : 'req/s';
  const value = r.metric === 'cpu' ? r.cpu : r.reqPerSec;
  return `${r.met ? 'met   ' : 'missed'} ${r.name}: ${measure} ${range(value)} ≥ ${r.target}`;
}

export function formatTable(results: CaseResult[], rows: Ratio[]): string {
  const lines = [
    `${pad('case', 34)} ${pad('req/s', 9, true)} ${pad('p99 ms', 7, true)} ${pad('CPU µs/req (min–max)', 22, true)} ${pad('loop p99 ms', 11, true)}`,
  ];
  for (const r of results) {
    const cpu = spread(r.runs.map((run) => run.cpuUsPerReq));
    const delay = r.loopDelayP99Ms === undefined ? '' : r.loopDelayP99Ms.toFixed(1);
    lines.push(
      `${pad(r.case, 34)} ${pad(r.reqPerSec.toFixed(0), 9, true)} ${pad(r.p99Ms.toFixed(1), 7, true)} ${pad(`${cpu.median.toFixed(0)} (${cpu.min.toFixed(0)}–${cpu.max.toFixed(0)})`, 22, true)} ${pad(delay, 11, true)}`,
    );
  }
  lines.push(
    '',
    `${pad('ratio (ours ÷ other), median (min–max)', 40)} ${pad('req/s', 18, true)} ${pad('CPU', 18, true)}`,
  );
  for (const r of rows)
    lines.push(
      `${pad(r.name, 40)} ${pad(range(r.reqPerSec), 18, true)} ${pad(range(r.cpu), 18, true)}`,
    );
  const targets = rows.filter((r) => r.target !== undefined);
  lines.push('', 'targets (median of the ratio over rounds)', ...targets.map(targetLine));
  return lines.join('\n');
}
