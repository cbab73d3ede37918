/**
 * Validates rendered objects against the Kubernetes OpenAPI schemas (kubernetes-models)
 * and cert-manager's CRD schemas (@kubernetes-models/cert-manager, generated from the
 * CRDs' openAPIV3Schema). A kind with no schema here is itself a failure.
 */
import * as certManager from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import * as admissionregistration from 'kubernetes-models/admissionregistration.k8s.io/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as core from 'kubernetes-models/v1';
import type { K8sObject } from './helm.js';

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: unknown): { validate(): void };
}

const isModel = (x: unknown): x is ModelClass =>
  typeof x === 'function' && typeof (x as Partial<ModelClass>).apiVersion === 'string' && typeof (x as Partial<ModelClass>).kind === 'string';

const models = new Map<string, ModelClass>();
for (const group of [core, apps, policy, rbac, admissionregistration, networking, certManager]) {
  for (const exported of Object.values(group)) {
    if (isModel(exported)) models.set(`${exported.apiVersion} ${exported.kind}`, exported);
  }
}

/** The schema violations of one object ('' when valid). */
export function schemaErrors(object: K8sObject): string {
  const model = models.get(`${object.apiVersion} ${object.kind}`);
  if (model === undefined) return `no schema for apiVersion ${object.apiVersion} kind ${object.kind}`;
  try {
    new model(object).validate();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}
