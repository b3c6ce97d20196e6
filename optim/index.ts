/**
 * Optimizers with PyTorch's update rules over immutable state, gradient clipping, learning-rate
 * schedules and checkpoints.
 * @module optim
 */
export {
  Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, fromRule, applyUpdates, sgd, adam, adamw, rmsprop, adagrad,
  type ParamGroup, type GroupState, type OptimizerStateDict, type GradientTransformation,
} from './optimizer.js';
export {
  sgdRule, adamRule, adamwRule, rmspropRule, adagradRule,
  type Rule, type SGDOptions, type SGDState, type AdamOptions, type AdamState, type RMSpropOptions, type RMSpropState,
  type AdagradOptions, type AdagradState,
} from './rules.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export {
  LRScheduler, StepLR, MultiStepLR, ConstantLR, ExponentialLR, CosineAnnealingLR, LinearLR, SequentialLR, ChainedScheduler,
  ReduceLROnPlateau, type PlateauOptions, type Opt as AnyOptimizer,
} from './schedules.js';
export { randperm, shuffle, trainValidationSplit, batches, padSequences, Vocab } from './data.js';
export { ProgressBar, type ProgressStream } from './progress.js';
export {
  fit, accuracy, perplexity, bitsPerCharacter, earlyStopping, checkpointCallback, onEpochEnd, resume,
  type Batch, type Metric, type History, type EpochContext, type Callback, type FitOptions, type Schedule, type ResumeParts,
  type Resumed,
} from './fit.js';
