{{/* Names, labels and derived settings shared by every template. */}}

{{- define "kindlyguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object name: RELEASE-kindlyguard, or the release name when it already says kindlyguard. */}}
{{- define "kindlyguard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kindlyguard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kindlyguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kindlyguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kindlyguard.labels" -}}
helm.sh/chart: {{ include "kindlyguard.chart" . }}
{{ include "kindlyguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kindlyguard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of one part of the release: pass (dict "ctx" $ "component" "webhook"). */}}
{{- define "kindlyguard.componentLabels" -}}
{{ include "kindlyguard.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "kindlyguard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kindlyguard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The webhook Service: the API server calls NAME.NAMESPACE.svc, and the serving certificate names it. */}}
{{- define "kindlyguard.serviceName" -}}
{{- include "kindlyguard.fullname" . }}
{{- end }}

{{- define "kindlyguard.metricsServiceName" -}}
{{- printf "%s-metrics" (include "kindlyguard.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{- define "kindlyguard.webhookConfigName" -}}
{{- default (include "kindlyguard.fullname" .) .Values.webhook.configurationName }}
{{- end }}

{{- define "kindlyguard.certsMode" -}}
{{- $mode := .Values.certs.mode }}
{{- if not (has $mode (list "self-managed" "cert-manager" "provided")) }}
{{- fail (printf "certs.mode must be self-managed, cert-manager or provided, not %q" $mode) }}
{{- end }}
{{- $mode }}
{{- end }}

{{- define "kindlyguard.tlsSecretName" -}}
{{- if eq (include "kindlyguard.certsMode" .) "provided" }}
{{- required "certs.secretName is required when certs.mode is provided: the Secret holding tls.crt and tls.key" .Values.certs.secretName }}
{{- else }}
{{- default (printf "%s-tls" (include "kindlyguard.fullname" .)) .Values.certs.secretName }}
{{- end }}
{{- end }}

{{/* cert-manager: the serving Certificate, whose CA the cainjector copies into the webhook configuration. */}}
{{- define "kindlyguard.certificateName" -}}
{{- printf "%s-serving" (include "kindlyguard.fullname" .) }}
{{- end }}

{{- define "kindlyguard.leaseName" -}}
{{- default (printf "%s-controller" (include "kindlyguard.fullname" .)) .Values.leaderElection.leaseName }}
{{- end }}

{{- define "kindlyguard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Namespaces the workloads webhook leaves out: the release namespace (so a broken webhook can never
block its own repair), webhook.excludedNamespaces, and every system namespace (judged by the second
webhook, or not at all). A JSON list, for fromJsonArray.
*/}}
{{- define "kindlyguard.workloadsExcluded" -}}
{{- $out := list .Release.Namespace }}
{{- range concat .Values.webhook.excludedNamespaces .Values.webhook.systemNamespaces.names }}
{{- $out = append $out . }}
{{- end }}
{{- $out | uniq | toJson }}
{{- end }}

{{/* System namespaces judged by the fail-open webhook: never the release namespace nor an excluded one. */}}
{{- define "kindlyguard.systemJudged" -}}
{{- $out := list }}
{{- $skip := append .Values.webhook.excludedNamespaces .Release.Namespace }}
{{- range .Values.webhook.systemNamespaces.names }}
{{- if not (has . $skip) }}
{{- $out = append $out . }}
{{- end }}
{{- end }}
{{- $out | uniq | toJson }}
{{- end }}

{{/* The serve pods, for the cleanup Job to wait on (hook pods never carry these labels together). */}}
{{- define "kindlyguard.servePodSelector" -}}
{{- printf "app.kubernetes.io/name=%s,app.kubernetes.io/instance=%s,app.kubernetes.io/component=webhook" (include "kindlyguard.name" .) .Release.Name }}
{{- end }}

{{/*
Labels of the hook objects (cleanup Job, helm test): pass (dict "ctx" $ "component" "cleanup").
Their app.kubernetes.io/name differs from the release's pods, so no Service, PodDisruptionBudget or
NetworkPolicy of the release ever selects a hook pod.
*/}}
{{- define "kindlyguard.hookLabels" -}}
{{- $labels := include "kindlyguard.labels" .ctx | fromYaml }}
{{- $_ := set $labels "app.kubernetes.io/name" (printf "%s-%s" (include "kindlyguard.name" .ctx) .component | trunc 63 | trimSuffix "-") }}
{{- $_ := set $labels "app.kubernetes.io/component" .component }}
{{- toYaml $labels }}
{{- end }}

{{/* The pod-level settings every pod of the chart shares: pull secrets, priority, security context, placement. */}}
{{- define "kindlyguard.podCommon" -}}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with .Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
