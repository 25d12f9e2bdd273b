{{/* How every webhook entry reaches kindlyguard: pass (dict "ctx" $ "caBundle" BUNDLE), and
"sideEffects" "None" for an entry whose reviews record nothing. */}}
{{- define "kindlyguard.webhookConnection" -}}
admissionReviewVersions: [v1]
{{- if .sideEffects }}
sideEffects: {{ .sideEffects }}
{{- else }}
# The webhook records Events and metrics, but never on a dry run.
sideEffects: NoneOnDryRun
{{- end }}
timeoutSeconds: {{ .ctx.Values.webhook.timeoutSeconds }}
# Requests for other versions of these resources (apps/v1beta2, ...) are converted and judged too.
matchPolicy: Equivalent
clientConfig:
  service:
    name: {{ include "kindlyguard.serviceName" .ctx }}
    namespace: {{ .ctx.Release.Namespace }}
    path: /validate
    port: {{ .ctx.Values.webhook.servicePort }}
  {{- with .caBundle }}
  caBundle: {{ . }}
  {{- end }}
{{- end }}

{{/* What both judging webhook entries share: pass (dict "ctx" $ "caBundle" BUNDLE). */}}
{{- define "kindlyguard.webhookCommon" -}}
{{ include "kindlyguard.webhookConnection" . }}
{{- with .ctx.Values.webhook.objectSelector }}
objectSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
# Pods (with kubectl debug's ephemeral containers and in-place resize) and every workload with a
# pod template; and evictions, which the quarantine guard answers 429 for a quarantined pod (an
# Eviction carries no pod labels, so the quarantine entry's objectSelector cannot pick them).
rules:
  - apiGroups: [""]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [pods, pods/ephemeralcontainers, pods/resize, replicationcontrollers]
    scope: Namespaced
  - apiGroups: [""]
    apiVersions: [v1]
    operations: [CREATE]
    resources: [pods/eviction]
    scope: Namespaced
  - apiGroups: [apps]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [deployments, statefulsets, daemonsets, replicasets]
    scope: Namespaced
  - apiGroups: [batch]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [jobs, cronjobs]
    scope: Namespaced
{{- end }}
