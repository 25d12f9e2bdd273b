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
{{- with include "kindlyguard.matchConditions.judging" .ctx }}
{{ . | trim }}
{{- end }}
{{- end }}

{{/*
matchConditions (admissionregistration.k8s.io/v1, GA in Kubernetes 1.30): CEL the API server runs
before calling the webhook; when any condition is false the call is not sent. They leave out only
what the binary answers "allowed" without judging, so no verdict, warning or audit annotation
changes: an UPDATE (no subresource) that keeps the pod spec, the annotations a check reads and, for
a pod, the quarantine label (src/policy/evaluate.cpp judged_parts_unchanged; labels and other
annotations are never judged). Every field is reached through has(): an expression that errors
makes failurePolicy decide (Fail rejects, Ignore skips the call). Rendered when
webhook.matchConditions.enabled and the cluster is 1.30 or later (helm template: --kube-version).
tests/chart/match_conditions_test.mjs evaluates these very expressions against the conformance
corpus and the real binary.
*/}}
{{- define "kindlyguard.matchConditionsOn" -}}
{{- if and .Values.webhook.matchConditions.enabled (semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version) }}true{{ end }}
{{- end }}

{{/* CEL: is annotation key `k` read by a check? pss::reads_annotation in src/policy/pss/pss.cpp. */}}
{{- define "kindlyguard.cel.checkedAnnotation" -}}
(k.startsWith('container.apparmor.security.beta.kubernetes.io/') || k == 'seccomp.security.alpha.kubernetes.io/pod' || k.startsWith('container.seccomp.security.alpha.kubernetes.io/'))
{{- end }}

{{/* CEL: has(X.metadata.FIELD), one step at a time. Pass (dict "at" X "field" FIELD). */}}
{{- define "kindlyguard.cel.hasMeta" -}}
(has({{ .at }}.metadata) && has({{ .at }}.metadata.{{ .field }}))
{{- end }}

{{/*
CEL: the pod carriers `new` and `old` (object and oldObject, or their pod templates) have the same
spec and the same checked annotations. Pass (dict "new" PATH "old" PATH).
*/}}
{{- define "kindlyguard.cel.podUnchanged" -}}
{{- $newAnn := include "kindlyguard.cel.hasMeta" (dict "at" .new "field" "annotations") }}
{{- $oldAnn := include "kindlyguard.cel.hasMeta" (dict "at" .old "field" "annotations") }}
{{- $checked := include "kindlyguard.cel.checkedAnnotation" . -}}
has({{ .new }}.spec) && has({{ .old }}.spec) && {{ .new }}.spec == {{ .old }}.spec &&
(!{{ $newAnn }} || {{ .new }}.metadata.annotations.all(k, !{{ $checked }} || ({{ $oldAnn }} && k in {{ .old }}.metadata.annotations && {{ .old }}.metadata.annotations[k] == {{ .new }}.metadata.annotations[k]))) &&
(!{{ $oldAnn }} || {{ .old }}.metadata.annotations.all(k, !{{ $checked }} || ({{ $newAnn }} && k in {{ .new }}.metadata.annotations)))
{{- end }}

{{/* CEL: an UPDATE of the object itself (a subresource such as ephemeralcontainers or resize is always judged). */}}
{{- define "kindlyguard.cel.plainUpdate" -}}
request.operation == 'UPDATE' && (!has(request.subResource) || request.subResource == '')
{{- end }}

{{/* CEL: pod X carries the quarantine label (any value). Pass (dict "at" X "key" KEY). */}}
{{- define "kindlyguard.cel.hasQuarantineLabel" -}}
({{ include "kindlyguard.cel.hasMeta" (dict "at" .at "field" "labels") }} && '{{ .key }}' in {{ .at }}.metadata.labels)
{{- end }}

{{/* CEL: the annotations the quarantine guard judges (src/admission/quarantine_guard.cpp) are the
same on object and oldObject: kindlyguard.io/quarantined-by (who quarantined the pod; only
kindlyguard may write it) and kindlyguard.io/quarantine-until (when it ends; a release decision). */}}
{{- define "kindlyguard.cel.sameQuarantinedBy" -}}
{{- $newAnn := include "kindlyguard.cel.hasMeta" (dict "at" "object" "field" "annotations") }}
{{- $oldAnn := include "kindlyguard.cel.hasMeta" (dict "at" "oldObject" "field" "annotations") }}
{{- range $i, $k := list "'kindlyguard.io/quarantined-by'" "'kindlyguard.io/quarantine-until'" }}
{{- if $i }} &&
{{ end -}}
({{ $newAnn }} && {{ $k }} in object.metadata.annotations) == ({{ $oldAnn }} && {{ $k }} in oldObject.metadata.annotations) &&
(!({{ $newAnn }} && {{ $k }} in object.metadata.annotations) || object.metadata.annotations[{{ $k }}] == oldObject.metadata.annotations[{{ $k }}])
{{- end }}
{{- end }}

{{/* The quarantine label's values, one per mode (controller/quarantine.hpp), as a JSON list: the
configured value, full, egress, ingress. */}}
{{- define "kindlyguard.quarantineValues" -}}
{{- $v := (splitn "=" 2 .Values.quarantine.label)._1 }}
{{- list $v "full" "egress" "ingress" | uniq | toJson }}
{{- end }}

{{/* The workloads and system-namespaces entries' conditions: pass the root context. */}}
{{- define "kindlyguard.matchConditions.judging" -}}
{{- if include "kindlyguard.matchConditionsOn" . }}
{{- $key := (splitn "=" 2 .Values.quarantine.label)._0 }}
{{- $newQ := include "kindlyguard.cel.hasQuarantineLabel" (dict "at" "object" "key" $key) }}
{{- $oldQ := include "kindlyguard.cel.hasQuarantineLabel" (dict "at" "oldObject" "key" $key) }}
{{- $update := include "kindlyguard.cel.plainUpdate" . }}
# Not sent: UPDATEs that change nothing a check reads, which the binary allows unjudged (see
# _webhook.tpl). Labels (but the quarantine label), other annotations, replicas, owner references
# and finalizers change freely. Requests that are sent are judged exactly as before.
matchConditions:
  - name: pod-spec-or-checked-annotations-or-quarantine-label-changed
    expression: >-
      !({{ $update }} && request.kind.kind == 'Pod' &&
      {{ include "kindlyguard.cel.podUnchanged" (dict "new" "object" "old" "oldObject") | nindent 6 }} &&
      {{ $newQ }} == {{ $oldQ }} &&
      (!{{ $newQ }} || object.metadata.labels['{{ $key }}'] == oldObject.metadata.labels['{{ $key }}']) &&
      {{ include "kindlyguard.cel.sameQuarantinedBy" . | nindent 6 }})
  - name: pod-template-changed
    expression: >-
      !({{ $update }} &&
      request.kind.kind in ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job'] &&
      has(object.spec) && has(oldObject.spec) && has(object.spec.template) && has(oldObject.spec.template) &&
      {{ include "kindlyguard.cel.podUnchanged" (dict "new" "object.spec.template" "old" "oldObject.spec.template") | nindent 6 }})
  - name: cronjob-pod-template-changed
    expression: >-
      !({{ $update }} && request.kind.kind == 'CronJob' &&
      has(object.spec) && has(oldObject.spec) && has(object.spec.jobTemplate) && has(oldObject.spec.jobTemplate) &&
      has(object.spec.jobTemplate.spec) && has(oldObject.spec.jobTemplate.spec) &&
      has(object.spec.jobTemplate.spec.template) && has(oldObject.spec.jobTemplate.spec.template) &&
      {{ include "kindlyguard.cel.podUnchanged" (dict "new" "object.spec.jobTemplate.spec.template" "old" "oldObject.spec.jobTemplate.spec.template") | nindent 6 }})
{{- end }}
{{- end }}

{{/*
The quarantine guard entry's condition: pass the root context. Not sent: an UPDATE before and after
which the pod carries the quarantine label with its value, that keeps the annotation naming who
quarantined it (the guard allows it), and that the policies do not judge either: through pods/status
(never judged: the kubelet's status updates), or of the pod itself with nothing a check reads
changed. Setting, removing or changing the label or that annotation, DELETE, and a changed spec are
always sent.
*/}}
{{- define "kindlyguard.matchConditions.quarantine" -}}
{{- if include "kindlyguard.matchConditionsOn" . }}
{{- $q := splitn "=" 2 .Values.quarantine.label }}
{{- $values := include "kindlyguard.quarantineValues" . | fromJsonArray }}
{{- $update := include "kindlyguard.cel.plainUpdate" . }}
matchConditions:
  - name: quarantine-label-removed-or-pod-changed
    expression: >-
      !(request.operation == 'UPDATE' && request.kind.kind == 'Pod' &&
      {{ include "kindlyguard.cel.hasQuarantineLabel" (dict "at" "object" "key" $q._0) }} &&
      object.metadata.labels['{{ $q._0 }}'] in [{{ range $i, $v := $values }}{{ if $i }}, {{ end }}'{{ $v }}'{{ end }}] &&
      {{ include "kindlyguard.cel.hasQuarantineLabel" (dict "at" "oldObject" "key" $q._0) }} &&
      oldObject.metadata.labels['{{ $q._0 }}'] == object.metadata.labels['{{ $q._0 }}'] &&
      {{ include "kindlyguard.cel.sameQuarantinedBy" . | nindent 6 }} &&
      ((has(request.subResource) && request.subResource == 'status') ||
      ({{ $update }} &&
      {{ include "kindlyguard.cel.podUnchanged" (dict "new" "object" "old" "oldObject") | nindent 6 }})))
{{- end }}
{{- end }}
