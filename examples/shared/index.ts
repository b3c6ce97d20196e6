/**
 * What the examples share: a flag parser with `--help` and exit codes, data-file lookup, an SVG line
 * chart, a results table and an output folder. Node built-ins only.
 *
 * @example
 * ```ts
 * import { consoleIo, defaultOutDir, lineChart, OutputDir, parseFlags, readDataText, runIfScript, runMain } from '../shared/index.js';
 * ```
 * @module
 */
export {
  type FlagType, type FlagValue, type FlagSpec, type FlagSpecs, type Flags, type ProgramInfo, type Io,
  ExitError, consoleIo, usage, parseFlags, runMain, runIfScript,
} from './cli.js';
export { repoRoot, dataCandidates, findDataFile, readDataText } from './data.js';
export { type Series, type ChartOptions, lineChart, niceTicks } from './svg.js';
export { type Cell, formatTable, defaultOutDir, OutputDir } from './output.js';
export { type RunConfig, configMismatch, saveEveryEpoch, resumeFrom } from './checkpoint.js';
