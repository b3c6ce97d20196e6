// Quickstart: fit a linear autoregressive model AR(p) to the yearly sunspot numbers (1700-2008) with
// plain gradient descent driven by valueAndGrad, compare it with the persistence forecast on held-out
// years, and gradcheck the loss in float64.
//
//   npx tsx examples/quickstart.ts                       # finds ../shared/data/time-series-forecasting/sunspots.csv
//   npx tsx examples/quickstart.ts path/to/sunspots.csv
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Tensor, gradcheck, manualSeed, matmul, randn, tensor, valueAndGrad, zeros } from '../index.js';

const P = 9; // lags: next year's number from the previous 9 years
const TEST_YEARS = 20; // hold out the last 20 years (1989-2008)
const STEPS = 400;
const LR = 0.1;

console.log(
  `tapegrad quickstart: fitting an AR(${P}) model to yearly sunspot numbers with gradient descent (valueAndGrad), ` +
    `testing on the last ${TEST_YEARS} years against persistence, then gradchecking the loss in float64.\n`,
);

// ---- data ----------------------------------------------------------------------------------------
const rel = 'shared/data/time-series-forecasting/sunspots.csv';
const here = path.dirname(fileURLToPath(import.meta.url));
const candidates = process.argv[2]
  ? [path.resolve(process.argv[2])]
  : [path.resolve(here, '../..', rel), path.resolve(process.cwd(), '..', rel)];
const file = candidates.find((f) => existsSync(f));
if (!file) {
  console.error(`error: sunspots.csv not found; looked at:\n  ${candidates.join('\n  ')}\npass its path: npx tsx examples/quickstart.ts path/to/sunspots.csv`);
  process.exit(1);
}

const rows = readFileSync(file, 'utf8')
  .trim()
  .split(/\r?\n/)
  .slice(1) // header "YEAR","SUNACTIVITY"
  .map((line) => line.split(',').map(Number) as [number, number]);
const years = rows.map(([y]) => y);
const series = rows.map(([, v]) => v);
console.log(`data: ${series.length} years, ${years[0]}-${years.at(-1)}, from ${path.relative(process.cwd(), file)}`);

// z-score with the statistics of the training years only
const nTrainYears = series.length - TEST_YEARS;
const train0 = series.slice(0, nTrainYears);
const mu = train0.reduce((s, v) => s + v, 0) / train0.length;
const sigma = Math.sqrt(train0.reduce((s, v) => s + (v - mu) ** 2, 0) / train0.length);
const z = series.map((v) => (v - mu) / sigma);

// windows: X[t] = z[t-P .. t-1], y[t] = z[t]; a target is a test target when its year is held out
const windows = (from: number, to: number) => {
  const X: number[][] = [];
  const y: number[] = [];
  for (let t = Math.max(from, P); t < to; t++) {
    X.push(z.slice(t - P, t));
    y.push(z[t]!);
  }
  return { X: tensor(X), y: tensor(y) };
};
const train = windows(0, nTrainYears);
const test = windows(nTrainYears, series.length);
console.log(`train: ${train.y.size} targets (${years[P]}-${years[nTrainYears - 1]}), test: ${test.y.size} targets (${years[nTrainYears]}-${years.at(-1)})\n`);

// ---- model ---------------------------------------------------------------------------------------
type Params = { w: Tensor; b: Tensor };
const predict = (p: Params, X: Tensor): Tensor => matmul(X, p.w).add(p.b);
const mse = (p: Params, X: Tensor, y: Tensor): Tensor => predict(p, X).sub(y).pow(2).mean();

manualSeed(0);
let params: Params = { w: randn([P]).mul(0.01), b: zeros([]) };
const lossAndGrad = valueAndGrad(mse); // differentiates argument 0, a tree of tensors

const t0 = performance.now();
const log = (step: number, loss: Tensor) => console.log(`step ${String(step).padStart(3)}  train MSE (z-scored) ${loss.item().toFixed(4)}`);
for (let step = 0; step < STEPS; step++) {
  const [loss, g] = lossAndGrad(params, train.X, train.y) as [Tensor, Params];
  if (step % 50 === 0) log(step, loss);
  params = { w: params.w.sub(g.w.mul(LR)), b: params.b.sub(g.b.mul(LR)) }; // plain gradient descent
}
log(STEPS, mse(params, train.X, train.y));
console.log(`(${STEPS} steps in ${(performance.now() - t0).toFixed(0)} ms)\n`);

// ---- evaluation, in sunspot numbers ----------------------------------------------------------------
const rmse = (pred: Tensor, y: Tensor) => pred.sub(y).pow(2).mean().sqrt().item() * sigma;
const persistence = (X: Tensor) => X.select(1, P - 1); // next year = this year
const table = [
  ['', 'train RMSE', 'test RMSE'],
  [`AR(${P})`, rmse(predict(params, train.X), train.y), rmse(predict(params, test.X), test.y)],
  ['persistence', rmse(persistence(train.X), train.y), rmse(persistence(test.X), test.y)],
];
for (const [name, a, b] of table)
  console.log(`${String(name).padEnd(12)}${(typeof a === 'number' ? a.toFixed(1) : a).padStart(11)}${(typeof b === 'number' ? b.toFixed(1) : b).padStart(11)}`);
const w = params.w.toArray() as number[];
console.log(`weights, lag 1 first: [${w.reverse().map((v) => v.toFixed(2)).join(', ')}]\n`);

// ---- gradient check: the analytical gradient of the loss against central differences, in float64 ---
const X64 = train.X.to('float64');
const y64 = train.y.to('float64');
const report = gradcheck((w, b) => mse({ w: w!, b: b! }, X64, y64), [params.w.to('float64'), params.b.to('float64')]);
const worst = Math.max(...report.inputs.map((r) => r.maxAbsError));
console.log(`gradcheck of the training loss (float64): ${report.ok ? 'ok' : 'FAILED'}, max abs error ${worst.toExponential(1)}`);
if (!report.ok) {
  console.error(report.message);
  process.exit(1);
}
