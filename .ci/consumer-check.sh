#!/usr/bin/env bash
# Packs tapegrad as `npm publish` would, installs the tarball into a throwaway project, and checks that
# require() (CJS), import() (ESM) and the TypeScript declarations work from the installed package.
# Run it after `npm run build`. Needs no network beyond the npm registry (immer, the only dependency,
# usually comes from the npm cache).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tsc="$root/node_modules/.bin/tsc"

for f in dist/index.js dist/index.cjs dist/index.d.ts dist/index.d.cts; do
  [[ -f "$root/$f" ]] || { echo "consumer-check: $f is missing; run 'npm run build' first" >&2; exit 1; }
done
[[ -x "$tsc" ]] || { echo "consumer-check: $tsc not found; run 'npm ci' first" >&2; exit 1; }

# The bundle runs in browsers: the only bare specifier it may import is immer (no node: built-ins).
bare="$(grep -ohE "(from|import|require)\s*\(?\s*['\"][^'\"./][^'\"]*['\"]" "$root/dist/index.js" "$root/dist/index.cjs" \
  | grep -oE "['\"][^'\"]+['\"]" | tr -d "'\"" | sort -u | grep -vE '^immer(/|$)' || true)"
if [[ -n "$bare" ]]; then
  echo "consumer-check: the bundle imports modules other than immer:" >&2
  echo "$bare" >&2
  exit 1
fi
echo "bundle imports: only relative modules and immer"

work="$(mktemp -d "${TMPDIR:-/tmp}/tapegrad-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

tarball="$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) kB): $(tar -tzf "$work/$tarball" | sed 's#^package/##' | sort | tr '\n' ' ')"

app="$work/app"
mkdir "$app"
cd "$app"
cat > package.json <<'JSON'
{ "name": "tapegrad-consumer-check", "version": "0.0.0", "private": true, "type": "module" }
JSON
npm install --prefer-offline --no-audit --no-fund --loglevel=error "$work/$tarball"
echo "installed: $(ls node_modules | tr '\n' ' ')"

# --- CJS: require() picks dist/index.cjs ------------------------------------------------------------
cat > check.cjs <<'JS'
const assert = require('node:assert/strict');
const tg = require('tapegrad');
assert.match(require.resolve('tapegrad'), /dist[\\/]index\.cjs$/);
assert.equal(tg.tensor([1]).add(1).item(), 2, 'Tensor methods are installed');
const g = tg.grad((x) => x.pow(3).sum())(tg.tensor([2]));
assert.equal(g.item(), 12);
const w = tg.tensor([2], { requiresGrad: true });
w.pow(3).sum().backward();
assert.equal(w.grad.item(), 12);
assert.throws(() => tg.add(tg.zeros([2, 3]), tg.zeros([4])), tg.TapegradError);
console.log('CJS ok: grad of x^3 at 2 =', g.item());
JS
node check.cjs

# --- ESM: import() picks dist/index.js ---------------------------------------------------------------
cat > check.mjs <<'JS'
import assert from 'node:assert/strict';
const tg = await import('tapegrad');
assert.match(import.meta.resolve('tapegrad'), /dist\/index\.js$/);
assert.equal(tg.tensor([1]).add(1).item(), 2, 'Tensor methods are installed');
const [y, g] = tg.valueAndGrad((x) => x.pow(3).sum())(tg.tensor([2]));
assert.equal(y.item(), 8);
assert.equal(g.item(), 12);
const { tensor, grad } = await import('tapegrad');
assert.equal(grad((x) => grad((u) => u.pow(3).sum())(x).sum())(tensor([2])).item(), 12, 'second derivative 6x');
console.log('ESM ok: grad of x^3 at 2 =', g.item());
JS
node check.mjs

# --- Types: the declarations resolve (node16 for ESM and CJS, bundler) and are not `any` --------------
cat > check.ts <<'TS'
import { grad, tensor, gradcheck, type Tensor, type DType } from 'tapegrad';
const g: Tensor = grad((x: Tensor) => x.pow(3).sum())(tensor([2]));
const n: number = g.item();
const d: DType = 'float64';
const ok: boolean = gradcheck((x) => x.tanh().sum(), [tensor([0.5], { dtype: d })]).ok;
// @ts-expect-error: a string is not a tensor
tensor([1]).add('one');
export { n, ok };
TS
cat > check.cts <<'TS'
import tg = require('tapegrad');
const g: tg.Tensor = tg.grad((x: tg.Tensor) => x.pow(3).sum())(tg.tensor([2]));
const n: number = g.item();
// @ts-expect-error: a string is not a tensor
tg.tensor([1]).add('one');
export = n;
TS
common='"target": "ES2022", "lib": ["ES2022"], "types": [], "strict": true, "noEmit": true, "skipLibCheck": false'
cat > tsconfig.node16.json <<JSON
{ "compilerOptions": { "module": "node16", "moduleResolution": "node16", $common }, "files": ["check.ts", "check.cts"] }
JSON
cat > tsconfig.bundler.json <<JSON
{ "compilerOptions": { "module": "esnext", "moduleResolution": "bundler", $common }, "files": ["check.ts"] }
JSON
"$tsc" -p tsconfig.node16.json
echo "types ok: moduleResolution node16 (ESM check.ts, CJS check.cts)"
"$tsc" -p tsconfig.bundler.json
echo "types ok: moduleResolution bundler"

echo "consumer check passed"
