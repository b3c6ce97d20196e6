/** Learning-rate schedules against PyTorch 1.13 (tests/fixtures/optim-golden.json): 31 epochs each. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TapegradError, optim, tensor } from '../../index.js';

interface SchedCase {
  name: string;
  scheduler: string;
  options: Record<string, unknown> & { schedulers?: { scheduler: string; options: Record<string, unknown> }[]; milestones?: number[] };
  baseLr: number;
  lrs: number[];
  metrics?: number[];
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/optim-golden.json', import.meta.url), 'utf8')) as { schedulers: SchedCase[] };

type Opt = optim.Optimizer<object, object>;
function make(opt: Opt, name: string, o: Record<string, unknown>): optim.LRScheduler {
  const S = (optim as unknown as Record<string, new (opt: Opt, o: unknown) => optim.LRScheduler>)[name];
  if (!S) throw new Error(`no scheduler ${name}`);
  return new S(opt, o);
}

describe('schedules against PyTorch', () => {
  it('has the fixtures', () => expect(fixtures.schedulers.length).toBeGreaterThanOrEqual(10));
  for (const c of fixtures.schedulers)
    it(c.name, () => {
      const p = tensor([0], { dtype: 'float64', requiresGrad: true });
      const opt = new optim.SGD([p], { lr: c.baseLr }) as unknown as Opt;
      let step: () => void;
      if (c.scheduler === 'SequentialLR') {
        const subs = c.options.schedulers!.map((s) => make(opt, s.scheduler, s.options));
        const seq = new optim.SequentialLR(opt, subs, c.options.milestones!);
        step = () => seq.step();
      } else if (c.scheduler === 'ChainedScheduler') {
        const chain = new optim.ChainedScheduler(c.options.schedulers!.map((s) => make(opt, s.scheduler, s.options)));
        step = () => chain.step();
      } else if (c.scheduler === 'ReduceLROnPlateau') {
        const r = new optim.ReduceLROnPlateau(opt, c.options as optim.PlateauOptions);
        let k = 0;
        step = () => r.step(c.metrics![k++]!);
      } else {
        const s = make(opt, c.scheduler, c.options);
        step = () => s.step();
      }
      const seen = [opt.lrs[0]!];
      for (let e = 1; e < c.lrs.length; e++) {
        step();
        seen.push(opt.lrs[0]!);
      }
      seen.forEach((lr, e) => expect(Math.abs(lr - c.lrs[e]!), `epoch ${e}: ${lr} vs ${c.lrs[e]}`).toBeLessThan(1e-15));
    });
});

describe('schedules', () => {
  it('a scheduler resumed from its stateDict continues as the original', () => {
    const mk = () => new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 }) as unknown as Opt;
    const a = mk();
    const sa = new optim.CosineAnnealingLR(a, { tMax: 7, etaMin: 0.001 });
    for (let i = 0; i < 4; i++) sa.step();
    const b = mk();
    const sb = new optim.CosineAnnealingLR(b, { tMax: 7, etaMin: 0.001 });
    sb.loadStateDict(sa.stateDict());
    b.setHyperparameters({ lr: a.lrs[0]! } as never);
    for (let i = 0; i < 10; i++) {
      sa.step();
      sb.step();
      expect(b.lrs).toEqual(a.lrs);
    }
  });

  it('bad options are refused with the schedule named', () => {
    const opt = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 }) as unknown as Opt;
    expect(() => new optim.StepLR(opt, { stepSize: 0 })).toThrow(/StepLR: stepSize must be a positive integer/);
    expect(() => new optim.ReduceLROnPlateau(opt, { factor: 2 })).toThrow(TapegradError);
    expect(() => new optim.SequentialLR(opt, [new optim.ExponentialLR(opt, { gamma: 0.5 })], [3])).toThrow(/expected 0 milestone/);
  });
});
