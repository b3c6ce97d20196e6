/**
 * Modules, layers, recurrent cells, the sequence runner and losses, with PyTorch's names, shapes,
 * parameter keys and initialisation.
 * @module nn
 */
export { Module, functionalCall, type ModuleOptions, type LoadOptions } from './module.js';
export { type RecurrentCell, type CellOptions, RNNCellBase, cellForward, rnnInit } from './cell.js';
export { RNNCell, type RNNCellOptions } from './cells/rnn-cell.js';
export { LSTMCell, type LSTMCellOptions } from './cells/lstm-cell.js';
export { GRUCell } from './cells/gru-cell.js';
export { PeepholeLSTMCell } from './cells/peephole-lstm-cell.js';
export { runRecurrent, type RunOptions } from './runner.js';
export {
  Recurrent, RecurrentBase, RNN, LSTM, GRU, PeepholeLSTM,
  type RecurrentOptions, type SequenceOptions, type CellFactory,
} from './recurrent.js';
export * as init from './init.js';
export {
  Linear, Embedding, Dropout, dropout, LayerNorm, Sequential, Identity, ReLU, Tanh, Sigmoid, LeakyReLU, Softplus, Softmax, LogSoftmax,
  type LinearOptions, type EmbeddingOptions, type DropoutOptions, type LayerNormOptions,
} from './layers.js';
export {
  mseLoss, l1Loss, huberLoss, smoothL1Loss, nllLoss, crossEntropy, binaryCrossEntropy, binaryCrossEntropyWithLogits, l1Penalty, l2Penalty,
  Loss, MSELoss, L1Loss, HuberLoss, SmoothL1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss,
  type LossOptions, type HuberLossOptions, type SmoothL1LossOptions, type NLLLossOptions, type CrossEntropyOptions, type BCELossOptions,
  type BCEWithLogitsLossOptions,
} from './losses.js';
