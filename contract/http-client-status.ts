/**
 * Which HTTP response statuses make a client call a failure, for everything that counts
 * failed calls: the preload's CLIENT spans get their status from
 * @opentelemetry/instrumentation-http's parseResponseStatus (ERROR outside [100, 400), and
 * the collector's service graph counts those as failed requests), and the eBPF agent counts
 * a request as failed by the same rule (agent/program.ts writes these numbers into the
 * kernel's compare). tests/agent/policy.test.ts checks every status against that function,
 * so an upgrade that changes its rule fails there instead of making the two sources differ.
 */
export const CLIENT_OK_STATUS = {
  /** The lowest status that is not a failure. */
  from: 100,
  /** The lowest status above `from` that is a failure again (4xx and 5xx). */
  below: 400,
} as const;
