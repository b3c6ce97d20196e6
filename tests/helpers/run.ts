/**
 * A small training run for checkpoint tests: an MLP with two dropouts (one drawing from the global
 * generator, one from its own), Adam, a StepLR schedule, and fit's shuffling.
 */
import { Generator, type Tensor, nn, optim, randn, tensor } from '../../index.js';

/** A progress stream that prints nothing. */
export const quiet = { write: () => true, isTTY: false };

/** 24 examples of a 3-class problem in 4 features (fixed, whatever the global generator's state). */
export const data = (() => {
  const g = new Generator(11);
  const x = randn([24, 4], { dtype: 'float64', generator: g });
  return Array.from({ length: 24 }, (_, i) => ({ input: x.select(0, i), target: tensor(i % 3, { dtype: 'int32' }) }));
})();

/**
 * An MLP whose first dropout draws from the global generator and whose second from its own generator
 * (seeded `seed + 1`), so a run draws from three generators: the global one, the module's and fit's.
 */
export function makeRun(seed: number, opts: { ownDropout?: boolean } = {}) {
  const model = new nn.Sequential(
    new nn.Linear(4, 8, { dtype: 'float64', generator: new Generator(seed) }),
    new nn.Tanh(),
    new nn.Dropout(0.3),
    new nn.Linear(8, 3, { dtype: 'float64', generator: new Generator(seed + 100) }),
    ...(opts.ownDropout === false ? [] : [new nn.Dropout(0.2, { generator: new Generator(seed + 1) })]),
  );
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.02 }) as never as optim.Optimizer<object, object>;
  const scheduler = new optim.StepLR(optimizer, { stepSize: 1, gamma: 0.7 });
  return { model, optimizer, scheduler };
}

/** fit's options for {@link makeRun}'s parts (no generator: fit's default). */
export function fitOptions(run: ReturnType<typeof makeRun>, epochs: number) {
  return {
    epochs, batchSize: 5, optimizer: run.optimizer, scheduler: run.scheduler, progress: quiet,
    loss: (out: Tensor, y: Tensor) => nn.crossEntropy(out, y),
  };
}
