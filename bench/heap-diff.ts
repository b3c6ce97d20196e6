// npx tsx bench/heap-diff.ts A.heapsnapshot B.heapsnapshot [rows]: what B holds that A did not, by
// constructor (objects), closure name, or kind (strings, code, arrays), sorted by the change in bytes.
// `npm run soak -- --snapshots` writes a snapshot per loop at the end of the warm-up and at the last step.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const NAMED = new Set(['object', 'closure', 'native', 'hidden', 'array', 'code']);

/** Count and self size per group of nodes. */
function groups(file: string): Map<string, [number, number]> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const kinds = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const out = new Map<string, [number, number]>();
  for (let i = 0; i < s.nodes.length; i += f.length) {
    const kind = kinds[s.nodes[i + iType]!]!;
    const key = NAMED.has(kind) ? `${kind} ${s.strings[s.nodes[i + iName]!]!.slice(0, 60).replace(/\s+/g, ' ')}` : kind;
    const g = out.get(key) ?? [0, 0];
    g[0]++;
    g[1] += s.nodes[i + iSize]!;
    out.set(key, g);
  }
  return out;
}

const [a, b, rows] = process.argv.slice(2);
if (!a || !b) {
  process.stderr.write('usage: npx tsx bench/heap-diff.ts A.heapsnapshot B.heapsnapshot [rows]\n');
  process.exit(2);
}
const before = groups(a);
const after = groups(b);
const diff = [...new Set([...before.keys(), ...after.keys()])].map((k) => {
  const [n0, b0] = before.get(k) ?? [0, 0];
  const [n1, b1] = after.get(k) ?? [0, 0];
  return { k, dn: n1 - n0, db: b1 - b0, n1 };
});
diff.sort((x, y) => Math.abs(y.db) - Math.abs(x.db) || Math.abs(y.dn) - Math.abs(x.dn));
const total = (m: Map<string, [number, number]>) => [...m.values()].reduce((s, [, v]) => s + v, 0);
console.log(`heap objects: ${(total(before) / 2 ** 20).toFixed(2)} MB -> ${(total(after) / 2 ** 20).toFixed(2)} MB`);
console.log('  change (objects)   change (bytes)   now (objects)   group');
for (const d of diff.slice(0, Number(rows ?? 25)))
  if (d.dn !== 0 || d.db !== 0) console.log(`${String(d.dn).padStart(18)} ${String(d.db).padStart(16)} ${String(d.n1).padStart(15)}   ${d.k}`);
