/**
 * One admission, end to end and without I/O: review -> policy -> patch -> response.
 * Any exception past the uid becomes "allowed, no patch" (fail open).
 */
import type { WebhookConfig } from './config.js';
import { buildPatch } from './patch.js';
import { decide, type NamespaceInfo, type SkipReason, type SkippedContainer } from './policy.js';
import { parseReview, reviewResponse, type AdmissionReviewResponse } from './review.js';

export type Outcome = 'injected' | 'skipped' | 'error' | 'bad-request';

export interface AdmitResult {
  /** 200 with an AdmissionReview, or 400 with a message when no uid can be answered. */
  status: 200 | 400;
  body: AdmissionReviewResponse | { error: string };
  outcome: Outcome;
  reason?: SkipReason;
  skippedContainers: SkippedContainer[];
  /** Why (for logs): the skip detail, the bad-request message or the internal error. */
  detail?: string;
  uid?: string;
  dryRun?: boolean;
}

export interface AdmitDeps {
  config: WebhookConfig;
  version: string;
  namespaceInfo: (namespace: string) => NamespaceInfo | undefined;
}

export function admit(body: unknown, deps: AdmitDeps): AdmitResult {
  const parsed = parseReview(body);
  if (!parsed.ok) return { status: 400, body: { error: parsed.error }, outcome: 'bad-request', skippedContainers: [], detail: parsed.error };
  const { request } = parsed;
  const base = { status: 200 as const, uid: request.uid, dryRun: request.dryRun };
  try {
    const decision = decide(
      {
        operation: request.operation,
        kind: request.kind,
        namespace: request.namespace,
        object: request.object,
        namespaceInfo: deps.namespaceInfo,
      },
      deps.config,
    );
    if (decision.action === 'skip') {
      return { ...base, body: reviewResponse(request.uid), outcome: 'skipped', reason: decision.reason, skippedContainers: [], detail: decision.detail };
    }
    const patch = buildPatch(decision, deps.config, deps.version);
    return {
      ...base,
      body: reviewResponse(request.uid, patch),
      outcome: decision.action === 'inject' ? 'injected' : 'skipped',
      ...(decision.action === 'annotate' ? { reason: decision.reason } : {}),
      skippedContainers: decision.skipped,
    };
  } catch (err) {
    return { ...base, body: reviewResponse(request.uid), outcome: 'error', skippedContainers: [], detail: err instanceof Error ? err.stack ?? err.message : String(err) };
  }
}
