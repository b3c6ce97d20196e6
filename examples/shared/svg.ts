/**
 * A small, dependency-free SVG line chart for loss and metric curves and forecasts: one or more
 * series, axes with ticks and labels, a legend and a title. The output is deterministic (same input,
 * same bytes) and opens in any browser.
 * @module
 */

/** One line of a chart. */
export interface Series {
  name: string;
  /** The y values. */
  y: readonly number[];
  /** The x values (default 1, 2, ..., y.length). */
  x?: readonly number[];
  /** A CSS color (default: from a fixed palette, in order). */
  color?: string;
  /** Draw dashed (for baselines and references). */
  dashed?: boolean;
  /** Draw a dot at each point (default: when the series has at most 40 points). */
  markers?: boolean;
}

/** What to draw. */
export interface ChartOptions {
  title: string;
  series: readonly Series[];
  xLabel?: string;
  yLabel?: string;
  /** Size in pixels (default 720 x 420). */
  width?: number;
  height?: number;
  /** Force the y range (default: the data's, padded to round ticks). */
  yMin?: number;
  yMax?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Coordinates to 2 decimals, without "-0". */
const num = (v: number): string => {
  const s = (Math.round(v * 100) / 100).toFixed(2).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
};

/**
 * About `count` round tick values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi].
 * @example
 * ```ts
 * niceTicks(0, 4.3, 5); // [0, 1, 2, 3, 4, 5]
 * ```
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (hi === lo) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / Math.max(count, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step + 1e-9);
  const end = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = start; k <= end; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

const tickLabel = (v: number, step: number): string => {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-4) return v.toExponential(1);
  const e = Math.floor(Math.log10(step) + 1e-9);
  const extra = Math.abs(step / 10 ** e - 2.5) < 1e-9 ? 1 : 0; // 2.5, 0.25: one more digit
  return v.toFixed(Math.max(0, Math.min(6, extra - e)));
};

/**
 * The SVG text of a line chart. Every value must be finite: a NaN or infinite value throws an error that
 * names the series and the index (a diverged run should be reported, not drawn as a gap).
 * @example
 * ```ts
 * const svg = lineChart({
 *   title: 'Training loss', xLabel: 'step', yLabel: 'nats',
 *   series: [{ name: 'train', y: [2.1, 1.7, 1.5] }, { name: 'validation', x: [3], y: [1.6] }],
 * });
 * ```
 */
export function lineChart(opts: ChartOptions): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 420;
  if (!opts.series || opts.series.length === 0) throw new Error('lineChart: expected at least one series');
  const series = opts.series.map((s, i) => {
    const x = s.x ?? s.y.map((_, k) => k + 1);
    if (x.length !== s.y.length) throw new Error(`lineChart: series '${s.name}' has ${x.length} x values but ${s.y.length} y values`);
    if (s.y.length === 0) throw new Error(`lineChart: series '${s.name}' is empty`);
    for (let k = 0; k < x.length; k++) {
      if (!Number.isFinite(x[k]!)) throw new Error(`lineChart: series '${s.name}' has x = ${x[k]} at index ${k} (every value must be finite)`);
      if (!Number.isFinite(s.y[k]!)) throw new Error(`lineChart: series '${s.name}' has y = ${s.y[k]} at index ${k} (every value must be finite)`);
    }
    return { ...s, x, color: s.color ?? PALETTE[i % PALETTE.length]!, markers: s.markers ?? s.y.length <= 40 };
  });
  const allX = series.flatMap((s) => s.x);
  const allY = series.flatMap((s) => s.y);
  const xTicks = niceTicks(Math.min(...allX), Math.max(...allX), 8);
  const [lo, hi] = [Math.min(...allY), Math.max(...allY)];
  const yTicks = niceTicks(opts.yMin ?? lo, opts.yMax ?? hi, 6);
  // Keep lines off the frame: one more tick where the data comes within 2% of the end (but not past 0).
  const yStep0 = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  const span = yTicks.at(-1)! - yTicks[0]!;
  if (opts.yMin === undefined && lo - yTicks[0]! < 0.02 * span && !(yTicks[0] === 0 && lo >= 0)) yTicks.unshift(Number((yTicks[0]! - yStep0).toPrecision(12)));
  if (opts.yMax === undefined && yTicks.at(-1)! - hi < 0.02 * span && !(yTicks.at(-1) === 0 && hi <= 0)) yTicks.push(Number((yTicks.at(-1)! + yStep0).toPrecision(12)));
  const [x0, x1] = [xTicks[0]!, xTicks.at(-1)!];
  const [y0, y1] = [opts.yMin ?? yTicks[0]!, opts.yMax ?? yTicks.at(-1)!];

  const left = 70;
  const right = W - 20;
  const top = 44;
  const legendRows = Math.ceil(series.length / 3);
  const bottom = H - 58 - 18 * legendRows;
  const px = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * (right - left);
  const py = (v: number) => bottom - ((v - y0) / (y1 - y0 || 1)) * (bottom - top);
  const xStep = xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1;
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${num(W / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(opts.title)}</text>`);
  out.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  for (const t of yTicks) if (t >= y0 && t <= y1) out.push(`<line x1="${left}" y1="${num(py(t))}" x2="${right}" y2="${num(py(t))}"/>`);
  for (const t of xTicks) out.push(`<line x1="${num(px(t))}" y1="${top}" x2="${num(px(t))}" y2="${num(bottom)}"/>`);
  out.push('</g>');
  out.push(`<g class="axes" stroke="#333" stroke-width="1"><line x1="${left}" y1="${num(bottom)}" x2="${right}" y2="${num(bottom)}"/><line x1="${left}" y1="${top}" x2="${left}" y2="${num(bottom)}"/></g>`);
  out.push('<g class="ticks" fill="#333">');
  for (const t of xTicks) out.push(`<text x="${num(px(t))}" y="${num(bottom + 16)}" text-anchor="middle">${tickLabel(t, xStep)}</text>`);
  for (const t of yTicks) if (t >= y0 && t <= y1) out.push(`<text x="${left - 6}" y="${num(py(t) + 4)}" text-anchor="end">${tickLabel(t, yStep)}</text>`);
  out.push('</g>');
  if (opts.xLabel) out.push(`<text x="${num((left + right) / 2)}" y="${num(bottom + 34)}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) out.push(`<text x="16" y="${num((top + bottom) / 2)}" text-anchor="middle" transform="rotate(-90 16 ${num((top + bottom) / 2)})">${esc(opts.yLabel)}</text>`);
  out.push(`<clipPath id="plot"><rect x="${left}" y="${top}" width="${right - left}" height="${num(bottom - top)}"/></clipPath>`);
  for (const s of series) {
    const pts = s.x.map((x, k) => `${num(px(x))},${num(py(s.y[k]!))}`).join(' ');
    out.push(`<g class="series" data-name="${esc(s.name)}" clip-path="url(#plot)">`);
    out.push(`<polyline fill="none" stroke="${esc(s.color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts}"/>`);
    out.push('</g>');
    if (s.markers) {
      const r = s.y.length === 1 ? 4 : 2.5;
      out.push(`<g class="markers" data-name="${esc(s.name)}" fill="${esc(s.color)}">`);
      for (let k = 0; k < s.x.length; k++) out.push(`<circle cx="${num(px(s.x[k]!))}" cy="${num(py(s.y[k]!))}" r="${r}"/>`);
      out.push('</g>');
    }
  }
  out.push('<g class="legend">');
  series.forEach((s, i) => {
    const lx = left + 10 + (i % 3) * Math.floor((right - left) / 3);
    const ly = bottom + 54 + 18 * Math.floor(i / 3);
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${esc(s.color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
