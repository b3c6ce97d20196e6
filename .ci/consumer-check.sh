#!/usr/bin/env bash
# Packs tapegrad as `npm publish` would, installs the tarball into a throwaway project, and checks that
# require() (CJS), import() (ESM) and the TypeScript declarations work from the installed package, for both
# entries: `tapegrad` (the library, browser-safe) and `tapegrad/node` (files: checkpoints, safetensors).
# Run it after `npm run build`. Needs no network beyond the npm registry (immer, the only dependency,
# usually comes from the npm cache).
# Usage: bash .ci/consumer-check.sh [NODE_BINARY...]: the require() and import() checks run on this
# machine's node and on each given one (.ci/run passes Node 22 and 24: their module loaders differ from
# Node 20's, e.g. require() of ES modules from 22.12, and the package must resolve the same way on each).
set -euo pipefail
runtimes=(node)
for n in "$@"; do
  [[ -x "$n" && -f "$n" ]] || { echo "consumer-check: $n is not an executable node" >&2; exit 1; }
  runtimes+=("$(cd "$(dirname "$n")" && pwd)/$(basename "$n")") # absolute: the checks run in another folder
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tsc="$root/node_modules/.bin/tsc"

for f in dist/index.js dist/index.cjs dist/index.d.ts dist/index.d.cts dist/node.js dist/node.cjs dist/node.d.ts dist/node.d.cts; do
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

# The node entry imports node: built-ins and the library only as ./index.js (ESM) / ./index.cjs (CJS): a copy
# of the library inside it would make a second Tensor class.
# Only import statements and require() calls at the start of a line count (the docs' examples are comments).
node_imports="$(grep -hE "^(import .*from|var [A-Za-z_$]+ = require\()\s*['\"]" "$root/dist/node.js" "$root/dist/node.cjs" \
  | grep -oE "['\"][^'\"]+['\"]" | tr -d "'\"" | sort -u)"
unexpected="$(printf '%s\n' "$node_imports" | grep -vE '^(node:.*|\./index\.js|\./index\.cjs)$' || true)"
if [[ -n "$unexpected" ]] || ! grep -q "from './index.js'" "$root/dist/node.js" || ! grep -q "require('./index.cjs')" "$root/dist/node.cjs" \
  || grep -q "class Tensor" "$root/dist/node.js" "$root/dist/node.cjs"; then
  echo "consumer-check: dist/node.* must import only node: built-ins and the library entry (./index.js, ./index.cjs); it imports:" >&2
  echo "$node_imports" >&2
  exit 1
fi
echo "node entry imports: $(echo "$node_imports" | tr '\n' ' ')"

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

// tapegrad/node: a checkpoint written to a temporary directory and read back, with tapegrad's own Tensor class.
const tgn = require('tapegrad/node');
assert.match(require.resolve('tapegrad/node'), /dist[\\/]node\.cjs$/);
const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-cjs-'));
  try {
    const file = path.join(dir, 'ck.safetensors');
    const w = tg.tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    await tgn.saveCheckpoint(file, { model: { w, 'b.i': tg.tensor([7], { dtype: 'int32' }) }, extra: { epoch: 2 } });
    assert.deepEqual(fs.readdirSync(dir), ['ck.safetensors']);
    const ck = await tgn.loadCheckpoint(file);
    assert.ok(ck.model.w instanceof tg.Tensor, 'one Tensor class across tapegrad and tapegrad/node');
    assert.deepEqual(ck.model.w.toArray(), [[1, 2], [3, 4]]);
    assert.equal(ck.model['b.i'].dtype, 'int32');
    assert.deepEqual(ck.extra, { epoch: 2 });
    await assert.rejects(tgn.loadCheckpoint(path.join(dir, 'missing')), (e) => e instanceof tg.TapegradError && e.message.includes('missing'));
    const { tensors } = await tgn.loadSafetensors(file);
    assert.ok(tensors.w instanceof tg.Tensor);
    console.log('CJS ok: tapegrad/node saved and loaded a checkpoint');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})().catch((e) => { console.error(e); process.exit(1); });
JS
for n in "${runtimes[@]}"; do echo "node $("$n" --version):"; "$n" check.cjs; done

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

const { saveCheckpoint, loadCheckpoint } = await import('tapegrad/node');
assert.match(import.meta.resolve('tapegrad/node'), /dist\/node\.js$/);
const fs = await import('node:fs');
const os = await import('node:os');
const path = await import('node:path');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-esm-'));
try {
  const file = path.join(dir, 'ck.safetensors');
  await saveCheckpoint(file, { model: { w: tensor([1.5, -2]) }, extra: { epoch: 1 } });
  await saveCheckpoint(file, { model: { w: tensor([2.5, -3]) }, extra: { epoch: 2 } }); // atomic replace
  assert.deepEqual(fs.readdirSync(dir), ['ck.safetensors']);
  const ck = await loadCheckpoint(file);
  assert.ok(ck.model.w instanceof tg.Tensor, 'one Tensor class across tapegrad and tapegrad/node');
  assert.deepEqual(ck.model.w.toArray(), [2.5, -3]);
  assert.deepEqual(ck.extra, { epoch: 2 });
  console.log('ESM ok: tapegrad/node saved and loaded a checkpoint');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
JS
for n in "${runtimes[@]}"; do echo "node $("$n" --version):"; "$n" check.mjs; done

# --- Types: the declarations resolve (node16 for ESM and CJS, bundler) and are not `any` --------------
cat > check.ts <<'TS'
import { grad, tensor, gradcheck, type Tensor, type DType } from 'tapegrad';
const g: Tensor = grad((x: Tensor) => x.pow(3).sum())(tensor([2]));
const n: number = g.item();
const d: DType = 'float64';
const ok: boolean = gradcheck((x) => x.tanh().sum(), [tensor([0.5], { dtype: d })]).ok;
// @ts-expect-error: a string is not a tensor
tensor([1]).add('one');
import { loadCheckpoint, saveCheckpoint } from 'tapegrad/node';
import type { LoadedCheckpoint } from 'tapegrad';
async function roundTrip(path: string): Promise<Tensor | undefined> {
  await saveCheckpoint(path, { model: { w: tensor([1]) }, extra: { epoch: 1 } });
  // @ts-expect-error: model holds tensors
  await saveCheckpoint(path, { model: { w: 'one' } });
  const ck: LoadedCheckpoint = await loadCheckpoint(path, { allowPlain: true });
  return ck.model.w;
}
export { n, ok, roundTrip };
TS
cat > check.cts <<'TS'
import tg = require('tapegrad');
const g: tg.Tensor = tg.grad((x: tg.Tensor) => x.pow(3).sum())(tg.tensor([2]));
const n: number = g.item();
// @ts-expect-error: a string is not a tensor
tg.tensor([1]).add('one');
import tgn = require('tapegrad/node');
const saved: Promise<void> = tgn.saveCheckpoint('ck.safetensors', { model: { w: tg.tensor([1]) } });
const loaded: Promise<tg.Tensor | undefined> = tgn.loadCheckpoint('ck.safetensors').then((ck) => ck.model.w);
export = { n, saved, loaded };
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
