#!/usr/bin/env bash
# Loads the built ESM bundle (dist/index.js) in headless Chromium and runs grad, backward and gradcheck
# there, and float32 products and tanh big enough for the WebAssembly kernels against the TypeScript
# ones (Chromium 114+ loads the relaxed-SIMD build). Where Chromium is missing it installs Debian's
# (apt-get update && apt-get install -y chromium; CI runs as root, elsewhere through sudo when that needs
# no password) and fails when it cannot: the check is never skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
find_browser() { command -v chromium || command -v chromium-browser || true; }
browser=$(find_browser)
if [ -z "$browser" ]; then
  if [ "$(id -u)" = 0 ]; then as_root=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as_root=(sudo -n)
  else echo "browser check: no chromium on this machine, and installing it needs root: apt-get install chromium" >&2; exit 1; fi
  command -v apt-get >/dev/null || { echo "browser check: no chromium and no apt-get to install it with" >&2; exit 1; }
  echo "browser check: no chromium on this machine; installing Debian's"
  # Waits up to 10 minutes for another apt or dpkg run to release its lock instead of failing at once.
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y chromium
  hash -r
  browser=$(find_browser)
  [ -n "$browser" ] || { echo "browser check: apt-get installed chromium but no chromium command is on PATH" >&2; exit 1; }
fi
[ -f dist/index.js ] || { echo "browser check: dist/index.js is missing; run npm run build first" >&2; exit 1; }
dir=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$dir"' EXIT
cp dist/index.js "$dir/"
# The bundle imports immer by name: an import map points that at immer's browser build (no process.env).
cp node_modules/immer/dist/immer.production.mjs "$dir/immer.mjs"
cat > "$dir/index.html" <<'HTML'
<!doctype html><html><head><script type="importmap">{"imports":{"immer":"./immer.mjs"}}</script></head>
<body><pre id="out">running</pre><script type="module">
import { grad, tensor, randn, gradcheck, tanh, matmul, jsBackend, setBackend, getBackend, wasmAvailable, wasmRelaxedSimd } from './index.js';
const out = document.getElementById('out');
try {
  const g = grad((x) => x.pow(3).sum())(tensor([2])).item();
  const w = tensor([1, 2], { requiresGrad: true });
  w.mul(w).sum().backward();
  const r = gradcheck((a, b) => tanh(matmul(a, b)), [randn([2, 3], { dtype: 'float64' }), randn([3, 2], { dtype: 'float64' })]);
  const a = randn([67, 129]), b = randn([129, 45]);
  const wasm = getBackend();
  const got = [matmul(a, b), tanh(a)];
  setBackend(jsBackend);
  const want = [matmul(a, b), tanh(a)];
  setBackend(wasm);
  let gap = 0;
  for (let i = 0; i < want[0].size; i++) gap = Math.max(gap, Math.abs(got[0].data[i] - want[0].data[i]));
  const same = got[1].data.every((v, i) => Object.is(v, want[1].data[i]));
  out.textContent = `grad=${g} backward=${w.grad.toArray().join(',')} gradcheck=${r.ok} wasm=${wasmAvailable()} relaxed=${wasmRelaxedSimd()} matmul=${gap < 1e-3} tanh=${same}`;
} catch (e) { out.textContent = `error: ${e}`; }
</script></body></html>
HTML
port=$((20000 + RANDOM % 20000))
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dir" >/dev/null 2>&1 &
server=$!
sleep 1
dom=$(timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$dir/profile" \
  --virtual-time-budget=10000 --dump-dom "http://127.0.0.1:$port/index.html" 2>/dev/null)
result=$(printf '%s' "$dom" | sed -n 's/.*<pre id="out">\([^<]*\)<\/pre>.*/\1/p')
echo "browser ($($browser --version 2>/dev/null | head -1)): $result"
[ "$result" = "grad=12 backward=2,4 gradcheck=true wasm=true relaxed=true matmul=true tanh=true" ] || { echo "browser check failed" >&2; exit 1; }
echo "browser check passed"
