{{/* Object name prefix: "<release>-toolforge-tracing", or the release name when it already says so. */}}
{{- define "tt.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects: tt.component (dict "root" $ "component" "webhook"). */}}
{{- define "tt.component" -}}
{{- printf "%s-%s" (include "tt.fullname" .root | trunc 40 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "tt.selectorLabels" -}}
app.kubernetes.io/name: {{ default .root.Chart.Name .root.Values.nameOverride | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tt.labels" -}}
{{ include "tt.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: toolforge-tracing
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
An image reference "repository:tag" from (dict "root" $ "image" .Values.x.image "field" "x.image"),
refused unless its registry (the part before the first "/") is in imagePolicy.allowedRegistries:
Toolforge's registry-admission would reject the pod later, far from the cause.
*/}}
{{- define "tt.image" -}}
{{- $registry := index (splitList "/" .image.repository) 0 -}}
{{- if not (has $registry .root.Values.imagePolicy.allowedRegistries) -}}
{{- fail (printf "%s.repository %q: registry %q is not in imagePolicy.allowedRegistries (%s); Toolforge admits only images from its registries, mirror the image there" .field .image.repository $registry (join ", " .root.Values.imagePolicy.allowedRegistries)) -}}
{{- end -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{/*
securityContext of every container except the eBPF agent's: what Toolforge demands of
tool pods holds for ours too.
*/}}
{{- define "tt.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Pod-level securityContext for a non-root uid: tt.podSecurityContext 10001. */}}
{{- define "tt.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "tt.webhookService" -}}{{ include "tt.component" (dict "root" . "component" "webhook") }}{{- end -}}
{{- define "tt.gatewayHeadless" -}}{{ include "tt.component" (dict "root" . "component" "gateway") }}-headless{{- end -}}
{{- define "tt.tempoName" -}}{{ include "tt.component" (dict "root" . "component" "tempo") }}{{- end -}}

{{/* Tempo's OTLP/gRPC endpoint: the configured one, else the in-chart Tempo. */}}
{{- define "tt.tempoEndpoint" -}}
{{- if .Values.tempo.endpoint -}}
{{- .Values.tempo.endpoint -}}
{{- else if .Values.tempo.deploy.enabled -}}
{{- printf "%s.%s.svc.%s:4317" (include "tt.tempoName" .) .Release.Namespace .Values.clusterDomain -}}
{{- else -}}
{{- fail "tempo.endpoint is empty and tempo.deploy.enabled is false: the gateway needs a Tempo to send traces to (set tempo.endpoint to the distributor's OTLP/gRPC host:port, or enable tempo.deploy)" -}}
{{- end -}}
{{- end -}}

{{/* Tempo's HTTP API for Grafana. */}}
{{- define "tt.tempoQueryUrl" -}}
{{- if .Values.tempo.queryUrl -}}
{{- .Values.tempo.queryUrl -}}
{{- else if .Values.tempo.deploy.enabled -}}
{{- printf "http://%s.%s.svc.%s:3200" (include "tt.tempoName" .) .Release.Namespace .Values.clusterDomain -}}
{{- else -}}
{{- fail "tempo.queryUrl is empty and tempo.deploy.enabled is false: Grafana's Tempo data source needs Tempo's HTTP API URL" -}}
{{- end -}}
{{- end -}}

{{/* env list from a map, sorted by name so renders are stable. */}}
{{- define "tt.envFromMap" -}}
{{- range $k := keys . | sortAlpha }}
- name: {{ $k }}
  value: {{ index $ $k | toString | quote }}
{{- end -}}
{{- end -}}

{{/*
ServiceAccount + ClusterRole + ClusterRoleBinding of one component:
tt.clusterRbac (dict "root" $ "component" "webhook" "rules" (list ...)).
*/}}
{{- define "tt.clusterRbac" -}}
{{- $name := include "tt.component" (dict "root" .root "component" .component) -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "tt.labels" . | nindent 4 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ $name }}
  labels:
    {{- include "tt.labels" . | nindent 4 }}
rules:
  {{- toYaml .rules | nindent 2 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ $name }}
  labels:
    {{- include "tt.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ $name }}
subjects:
  - kind: ServiceAccount
    name: {{ $name }}
    namespace: {{ .root.Release.Namespace }}
{{- end -}}

{{/*
ConfigMap with one collector config from collector-config/ (through the chart's
collector/ symlink): tt.collectorConfigMap (dict "root" $ "component" "gateway" "file" "gateway.yaml").
*/}}
{{- define "tt.collectorConfigMap" -}}
{{- $config := .root.Files.Get (printf "collector/%s" .file) -}}
{{- if not $config -}}
{{- fail (printf "collector/%s is missing from the chart: charts/toolforge-tracing/collector must be the symlink to ../../collector-config" .file) -}}
{{- end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "tt.component" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "tt.labels" . | nindent 4 }}
data:
  # collector-config/{{ .file }}, read through the chart's collector/ symlink.
  config.yaml: |
    {{- $config | nindent 4 }}
{{- end -}}
