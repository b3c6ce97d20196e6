/**
 * @internal Worker threads for the WebAssembly GEMM: each worker instantiates the shared-memory build of the
 * kernels on the same memory and waits on a control block (a SharedArrayBuffer); a large product is split
 * into column (or row) panels, one per thread, and the calling thread runs its own panel, then waits for the
 * others. Workers start in the background: until they report ready, products run on the calling thread.
 */

/**
 * The 13 arguments of gemm32/gemm64 (M, N, K, a, rsA, csA, b, rsB, csB, c, ldc, work, accumulate) or of
 * gemm32Packed (M, N, K, a, rsA, csA, packed, ldp, j0, c, ldc, work, accumulate).
 */
export type GemmArgs = [number, number, number, number, number, number, number, number, number, number, number, number, number];
/** Which kernel a panel runs. */
export type GemmKind = 'gemm32' | 'gemm64' | 'packed';
const KINDS: Record<GemmKind, number> = { gemm32: 0, gemm64: 1, packed: 2 };

// Per worker, a block of the control array: [sequence, done, ready, error, kind, ...13 kernel arguments].
const SLOT = 32;
const SEQ = 0;
const DONE = 1;
const READY = 2;
const ERROR = 3;
const KIND = 4;
const ARGS = 5;
// A worker that has not answered in this long is taken for lost: the product fails with an error and the
// pool is not used again.
const TIMEOUT_MS = 60_000;

// The worker's whole program; it runs in Node's worker_threads or in a web worker.
const workerSource = (node: boolean) => `
const start = ({ module, memory, ctrl, slot }) => {
  const k = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('abort'); } } }).exports;
  const c = new Int32Array(ctrl, slot * 4, ${SLOT});
  Atomics.store(c, ${READY}, 1);
  let seq = 0;
  for (;;) {
    Atomics.wait(c, ${SEQ}, seq);
    seq = Atomics.load(c, ${SEQ});
    try {
      const a = c.subarray(${ARGS}, ${ARGS + 13});
      const kind = c[${KIND}];
      (kind === 2 ? k.gemm32Packed : kind === 1 ? k.gemm64 : k.gemm32)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
    } catch (e) {
      Atomics.store(c, ${ERROR}, 1);
    }
    Atomics.store(c, ${DONE}, seq);
    Atomics.notify(c, ${DONE});
  }
};
${node ? "start(process.getBuiltinModule('node:worker_threads').workerData);" : 'self.onmessage = (e) => start(e.data);'}
`;

interface Spawned {
  terminate(): unknown;
}

/** Starts one worker running `workerSource` with `data`, in Node or a browser; null where neither works. */
function spawn(data: { module: WebAssembly.Module; memory: WebAssembly.Memory; ctrl: SharedArrayBuffer; slot: number }): Spawned | null {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    if (proc?.versions?.node) {
      // process.getBuiltinModule (Node >= 20.16) keeps node: imports out of the browser bundle.
      const wt = proc.getBuiltinModule?.('node:worker_threads') as
        | { Worker: new (src: string, o: object) => Spawned & { unref(): void; on(e: string, f: () => void): void } }
        | undefined;
      if (!wt) return null;
      const w = new wt.Worker(workerSource(true), { eval: true, workerData: data });
      w.unref(); // a waiting worker does not keep the process alive
      w.on('error', () => undefined);
      return w;
    }
    const W = (globalThis as { Worker?: new (url: string) => Spawned & { postMessage(d: unknown): void } }).Worker;
    if (typeof W !== 'function' || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') return null;
    const url = URL.createObjectURL(new Blob([workerSource(false)], { type: 'text/javascript' }));
    const w = new W(url);
    w.postMessage(data);
    return w;
  } catch {
    return null;
  }
}

/** Whether this thread may block in Atomics.wait (Node's main thread may; a browser's main thread may not). */
let canBlock: boolean | undefined;
function blockingAllowed(probe: Int32Array): boolean {
  if (canBlock === undefined) {
    try {
      Atomics.wait(probe, 0, 1, 0); // value differs: returns at once where waiting is allowed
      canBlock = true;
    } catch {
      canBlock = false;
    }
  }
  return canBlock;
}

/** The workers of one shared memory. */
export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly workers: Spawned[] = [];
  private seq = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    readonly capacity: number,
  ) {
    this.ctrl = new Int32Array(new SharedArrayBuffer(capacity * SLOT * 4));
  }

  /** Starts workers up to `n` (at most the capacity); returns how many exist. */
  grow(n: number): number {
    while (this.workers.length < Math.min(n, this.capacity)) {
      const slot = this.workers.length * SLOT;
      const w = spawn({ module: this.module, memory: this.memory, ctrl: this.ctrl.buffer as SharedArrayBuffer, slot });
      if (!w) break;
      this.workers.push(w);
    }
    return this.workers.length;
  }

  /** How many of the first `n` workers have started and can take a panel now. */
  ready(n: number): number {
    let k = 0;
    while (k < Math.min(n, this.workers.length) && Atomics.load(this.ctrl, k * SLOT + READY) === 1) k++;
    return k;
  }

  /** Resolves once the first `n` workers are ready (or after `timeoutMs`), with how many are. */
  async whenReady(n: number, timeoutMs = 5000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (this.ready(n) < Math.min(n, this.workers.length) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    return this.ready(n);
  }

  /** Set once a worker failed or stopped answering: the pool is not used again. */
  broken = false;

  /**
   * Runs `panels[0]` with `local` on this thread and `panels[1..]` on workers 0.., and returns once all are
   * done. A worker that reports an error has its panel run here; one that does not answer within a minute
   * breaks the pool and the call throws.
   */
  run(kind: GemmKind, panels: GemmArgs[], local: (args: GemmArgs) => void): void {
    const seq = ++this.seq;
    const c = this.ctrl;
    for (let w = 0; w < panels.length - 1; w++) {
      const base = w * SLOT;
      c[base + KIND] = KINDS[kind];
      c.set(panels[w + 1]!, base + ARGS);
      Atomics.store(c, base + SEQ, seq);
      Atomics.notify(c, base + SEQ);
    }
    local(panels[0]!);
    const block = blockingAllowed(c);
    const start = Date.now();
    for (let w = 0; w < panels.length - 1; w++) {
      const base = w * SLOT;
      for (;;) {
        const done = Atomics.load(c, base + DONE);
        if (done === seq) break;
        if (Date.now() - start > TIMEOUT_MS) {
          this.broken = true;
          throw new Error(`tapegrad: kernel worker ${w} did not finish a matrix product within ${TIMEOUT_MS / 1000} s; worker threads are off from now on`);
        }
        if (block) Atomics.wait(c, base + DONE, done, 50);
      }
      if (Atomics.load(c, base + ERROR) === 1) {
        this.broken = true;
        local(panels[w + 1]!);
      }
    }
  }
}
