/**
 * What `toolforge-tracing report` tells the caller with its exit code: 0 results, 1 a
 * `--fail-if-*` condition held, 2 an error (bad input, Prometheus unreachable or refusing,
 * nothing in the window, unknown node). A ReportError's message is printed as it is.
 */
export const EXIT_OK = 0;
export const EXIT_CONDITION = 1;
export const EXIT_ERROR = 2;

export class ReportError extends Error {
  override name = 'ReportError';
}
