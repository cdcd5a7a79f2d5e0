import type { CaseResult } from './report';

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A horizontal bar chart of the median CPU µs per request of every case, with
 * a line from the smallest to the largest round: a self-contained SVG.
 */
export function cpuChart(results: CaseResult[], title: string): string {
  const row = 20;
  const left = 260;
  const width = 820;
  const plot = width - left - 70;
  const top = 40;
  const height = top + results.length * row + 30;
  const most = Math.max(...results.flatMap((r) => r.runs.map((run) => run.cpuUsPerReq)));
  const scale = (value: number) => (value / most) * plot;
  const bars = results.map((r, i) => {
    const y = top + i * row;
    const cpus = r.runs.map((run) => run.cpuUsPerReq);
    const [min, max] = [Math.min(...cpus), Math.max(...cpus)];
    const ours = r.app.startsWith('nest-') && !/-(none|floor)$/.test(r.app);
    return [
      `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${escape(r.case)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${scale(r.cpuUsPerReq).toFixed(1)}" height="${row - 6}" fill="${ours ? '#3b6fb6' : '#9aa5b1'}"/>`,
      `<line x1="${(left + scale(min)).toFixed(1)}" x2="${(left + scale(max)).toFixed(1)}" y1="${y + row / 2}" y2="${y + row / 2}" stroke="#222" stroke-width="1.5"/>`,
      `<text x="${(left + scale(max) + 6).toFixed(1)}" y="${y + 14}">${r.cpuUsPerReq.toFixed(0)}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...bars,
    `<text x="${left}" y="${height - 8}" fill="#555">CPU µs per request, median of the rounds (line: min–max); blue: SessionModule, grey: references</text>`,
    '</svg>',
    '',
  ].join('\n');
}
