{{/* What both webhook entries share: pass (dict "ctx" $ "caBundle" BUNDLE). */}}
{{- define "kindlyguard.webhookCommon" -}}
admissionReviewVersions: [v1]
# The webhook records Events and metrics, but never on a dry run.
sideEffects: NoneOnDryRun
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
{{- with .ctx.Values.webhook.objectSelector }}
objectSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
# Pods (with kubectl debug's ephemeral containers and in-place resize) and every workload with a
# pod template.
rules:
  - apiGroups: [""]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [pods, pods/ephemeralcontainers, pods/resize, replicationcontrollers]
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
