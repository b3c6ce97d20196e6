/**
 * Modules, layers, recurrent cells, the sequence runner and losses, with PyTorch's names, shapes,
 * parameter keys and initialisation.
 * @module nn
 */
export { Module, functionalCall, type ModuleOptions, type LoadOptions } from './module.js';
export { type RecurrentCell, cellForward, rnnInit } from './cell.js';
export { RNNCell, type RNNCellOptions } from './cells/rnn-cell.js';
export { LSTMCell, type LSTMCellOptions } from './cells/lstm-cell.js';
export { GRUCell } from './cells/gru-cell.js';
export { PeepholeLSTMCell } from './cells/peephole-lstm-cell.js';
export { runRecurrent, type RunOptions } from './runner.js';
export {
  Recurrent, RecurrentBase, RNN, LSTM, GRU, PeepholeLSTM,
  type RecurrentOptions, type SequenceOptions, type CellFactory,
} from './recurrent.js';
