import { caseName, type BenchCase } from './cases';

/** One case's runs and their medians. */
export interface CaseResult {
  case: string;
  app: string;
  route: string;
  runs: { reqPerSec: number; p99Ms: number; cpuUsPerReq: number }[];
  reqPerSec: number;
  p99Ms: number;
  cpuUsPerReq: number;
}

/** `value` (higher is better for req/s; for CPU it is the other's µs ÷ ours). */
export interface Ratio {
  name: string;
  reqPerSec: number;
  cpu: number;
  target?: number;
  met?: boolean;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(c: BenchCase, runs: CaseResult['runs']): CaseResult {
  return {
    case: caseName(c),
    app: c.app,
    route: c.route,
    runs,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    cpuUsPerReq: median(runs.map((r) => r.cpuUsPerReq)),
  };
}

const RATIOS: { name: string; ours: string; other: string; target?: number }[] = [
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
  {
    name: '/read ÷ raw GET floor',
    ours: 'nest-redis /read',
    other: 'floor /raw-get',
    target: 0.85,
  },
  {
    name: '/write ÷ raw GET+SET floor',
    ours: 'nest-redis /write',
    other: 'floor /raw-getset',
    target: 0.85,
  },
  {
    name: '/plain with module ÷ without',
    ours: 'nest-redis /plain',
    other: 'nest-none /plain',
    target: 0.97,
  },
  {
    name: 'Fastify /read ÷ express-session',
    ours: 'nest-fastify-redis /read',
    other: 'express-session /read',
  },
  {
    name: 'Fastify /write ÷ express-session',
    ours: 'nest-fastify-redis /write',
    other: 'express-session /write',
  },
];

/** Ours ÷ the other: req/s as is, CPU µs/req inverted so that above 1 means better for both. */
export function ratios(results: CaseResult[]): Ratio[] {
  const byCase = new Map(results.map((r) => [r.case, r]));
  return RATIOS.flatMap(({ name, ours, other, target }) => {
    const a = byCase.get(ours);
    const b = byCase.get(other);
    if (!a || !b) return [];
    const reqPerSec = a.reqPerSec / b.reqPerSec;
    const cpu = b.cpuUsPerReq / a.cpuUsPerReq;
    return [
      {
        name,
        reqPerSec,
        cpu,
        target,
        met: target === undefined ? undefined : Math.min(reqPerSec, cpu) >= target,
      },
    ];
  });
}

const pad = (text: string, width: number, right = false) =>
  right ? text.padStart(width) : text.padEnd(width);

export function formatTable(results: CaseResult[], rows: Ratio[]): string {
  const lines = [
    `${pad('case', 32)} ${pad('req/s', 9, true)} ${pad('p99 ms', 7, true)} ${pad('CPU µs/req', 11, true)}`,
  ];
  for (const r of results)
    lines.push(
      `${pad(r.case, 32)} ${pad(r.reqPerSec.toFixed(0), 9, true)} ${pad(r.p99Ms.toFixed(1), 7, true)} ${pad(r.cpuUsPerReq.toFixed(0), 11, true)}`,
    );
  lines.push(
    '',
    `${pad('ratio (ours ÷ other)', 34)} ${pad('req/s', 6, true)} ${pad('CPU', 6, true)}  target`,
  );
  for (const r of rows) {
    const target = r.target === undefined ? '' : `≥ ${r.target} ${r.met ? 'met' : 'NOT met'}`;
    lines.push(
      `${pad(r.name, 34)} ${pad(r.reqPerSec.toFixed(2), 6, true)} ${pad(r.cpu.toFixed(2), 6, true)}  ${target}`,
    );
  }
  return lines.join('\n');
}
