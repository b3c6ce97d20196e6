/** @internal Gives Tensor its op methods and the engine its differentiable helpers (core never imports upward). */
import { installTensorMethods } from '../core/tensor.js';
import { backward } from './grad.js';
import * as A from './ops/arithmetic.js';
import * as C from './ops/compare.js';
import * as L from './ops/linalg.js';
import * as R from './ops/reduce.js';
import * as S from './ops/shape.js';
import * as St from './ops/stable.js';
import * as U from './ops/unary.js';
import { engineOps } from './tape.js';

installTensorMethods({
  ...A, ...C, ...L, ...R, ...S, ...St, ...U,
  var: R.variance,
  backward,
});

engineOps.add = A.add;
engineOps.sumTo = S.sumTo;
