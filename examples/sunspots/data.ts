/** The yearly sunspot series: parsing, the chronological split and z-scoring with training statistics. */
import { readFileSync } from 'node:fs';

/** One value per year, in order. */
export interface Series {
  years: number[];
  values: number[];
}

/** Parses `sunspots.csv` (header `"YEAR","SUNACTIVITY"`, then `year,value` rows); malformed rows throw with their line number. */
export function parseSunspots(text: string, file = 'sunspots.csv'): Series {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2 || !/year/i.test(lines[0]!)) throw new Error(`${file}: expected a header "YEAR","SUNACTIVITY" and then year,value rows`);
  const years: number[] = [];
  const values: number[] = [];
  lines.slice(1).forEach((line, i) => {
    const [y, v, extra] = line.split(',').map((s) => s.trim());
    const year = Number(y);
    const value = Number(v);
    if (extra !== undefined || !Number.isInteger(year) || v === undefined || v === '' || !Number.isFinite(value))
      throw new Error(`${file}, line ${i + 2}: expected year,value, got '${line}'`);
    if (years.length && year !== years.at(-1)! + 1) throw new Error(`${file}, line ${i + 2}: year ${year} does not follow ${years.at(-1)}`);
    years.push(year);
    values.push(value);
  });
  return { years, values };
}

/** Reads and parses the CSV file. */
export function loadSunspots(file: string): Series {
  return parseSunspots(readFileSync(file, 'utf8'), file);
}

/** Mean and (population) standard deviation. */
export function stats(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length);
  return { mean, std };
}

/** Input windows of `lags` values and the value after each, for every target index in [from, to). */
export function windows(z: readonly number[], lags: number, from: number, to: number): { inputs: number[][]; targets: number[]; at: number[] } {
  const inputs: number[][] = [];
  const targets: number[] = [];
  const at: number[] = [];
  for (let t = Math.max(from, lags); t < to; t++) {
    inputs.push(z.slice(t - lags, t));
    targets.push(z[t]!);
    at.push(t);
  }
  return { inputs, targets, at };
}
