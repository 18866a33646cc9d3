import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what the last full collection kept: 2.5 times. By default
 * it grows by up to 4 times under a high allocation rate, and the API under a create load (~46 MB
 * live) reached ~190 MB of heap and ~310 MB resident between collections; at 2.5 times it stays
 * under ~240 MB resident at the same rate and latency (docs/benchmarks.md, "API memory"). Unlike
 * --max-old-space-size this caps nothing: a burst of large batch requests still gets the memory
 * it needs.
 */
export const HEAP_GROWING_PERCENT = 150;

const OPERATOR_FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * Applies HEAP_GROWING_PERCENT unless the operator started node with a --heap-growing-percent of
 * their own. Returns whether it did. Read by V8 at each full collection, so setting it at start-up
 * takes effect from the first one.
 */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((argument) => OPERATOR_FLAG.test(argument))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
