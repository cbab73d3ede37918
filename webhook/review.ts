/** The admission.k8s.io/v1 AdmissionReview envelope: what we read and what we answer. */
import type { PatchOp } from './patch.js';
import { patchJson } from './patch-json.js';

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: string;
  namespace: string | undefined;
  object: unknown;
  dryRun: boolean;
}

export type ParsedReview = { ok: true; request: AdmissionRequest } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Fails only where no answer is possible (no uid to answer to). Everything past the
 * uid is read leniently: an odd request is still answered, allowed and unpatched.
 */
export function parseReview(body: unknown): ParsedReview {
  const fail = (error: string): ParsedReview => ({ ok: false, error });
  if (!isObject(body)) return fail('body must be a JSON object (an AdmissionReview)');
  if (body.apiVersion !== 'admission.k8s.io/v1') {
    return fail(`apiVersion is ${JSON.stringify(body.apiVersion)}; this webhook speaks admission.k8s.io/v1 only (admissionReviewVersions: ["v1"])`);
  }
  if (body.kind !== 'AdmissionReview') return fail(`kind is ${JSON.stringify(body.kind)}, expected "AdmissionReview"`);
  const request = body.request;
  if (!isObject(request)) return fail('request is missing or not an object');
  if (typeof request.uid !== 'string' || request.uid === '') return fail('request.uid is missing or not a non-empty string');
  const kind = isObject(request.kind) ? request.kind : {};
  return {
    ok: true,
    request: {
      uid: request.uid,
      kind: { group: str(kind.group), version: str(kind.version), kind: str(kind.kind) },
      operation: str(request.operation),
      namespace: typeof request.namespace === 'string' && request.namespace !== '' ? request.namespace : undefined,
      object: request.object,
      dryRun: request.dryRun === true,
    },
  };
}

export interface AdmissionReviewResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: { uid: string; allowed: true; patchType?: 'JSONPatch'; patch?: string };
}

/** Always allowed: a mutating webhook never denies. */
export function reviewResponse(uid: string, patch: PatchOp[] = []): AdmissionReviewResponse {
  const response: AdmissionReviewResponse['response'] = { uid, allowed: true };
  if (patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(patchJson(patch)).toString('base64');
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

/**
 * The answer as JSON text, written out rather than JSON.stringify'd: the base64 patch is
 * most of the bytes and has nothing to escape, and serializing it was a measurable share
 * of an admission (bench/webhook-throughput.ts).
 */
export function reviewJson(review: AdmissionReviewResponse): string {
  const { uid, patch } = review.response;
  const patchFields = patch === undefined ? '' : `,"patchType":"JSONPatch","patch":"${patch}"`;
  return `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":${JSON.stringify(uid)},"allowed":true${patchFields}}}`;
}
