{{/*
Names and labels.
*/}}
{{- define "trailstream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "trailstream.fullname" -}}
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

{{- define "trailstream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "trailstream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "trailstream.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "trailstream.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: trailstream
{{- end }}

{{- define "trailstream.workerSelectorLabels" -}}
{{ include "trailstream.selectorLabels" . }}
app.kubernetes.io/component: worker
{{- end }}

{{- define "trailstream.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "trailstream.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: name the existing service account to use when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "trailstream.setupServiceAccountName" -}}
{{- default (printf "%s-setup" (include "trailstream.fullname" .) | trunc 63 | trimSuffix "-") .Values.setup.serviceAccount.name }}
{{- end }}

{{- define "trailstream.image" -}}
{{- $repo := required "image.repository: build the image from the repository's Dockerfile, push it to your registry (e.g. Amazon ECR) and set image.repository (docs/deploy.md)" .Values.image.repository }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The worker's defaults for the settings the chart computes with. They must equal
the defaults in src/config/settings.ts; test/unit/deploy/helm-chart.test.ts
checks that they do.
*/}}
{{- define "trailstream.settingDefaults" -}}
TRAILSTREAM_SHUTDOWN_GRACE_SECONDS: 30
TRAILSTREAM_WAIT_TIME_SECONDS: 20
TRAILSTREAM_MAX_MESSAGES_IN_FLIGHT: 20
TRAILSTREAM_METRICS_PORT: 9464
{{- end }}

{{/*
A configured setting as a string ("" when unset). Numbers arrive from YAML as
floats; settings are integers, so they are printed as such (no 1e+06).
Usage: include "trailstream.configValue" (list $ "NAME")
*/}}
{{- define "trailstream.configValue" -}}
{{- $root := index . 0 }}
{{- $v := get $root.Values.config (index . 1) }}
{{- if kindIs "float64" $v }}{{ $v | int64 }}{{ else if kindIs "invalid" $v }}{{ else }}{{ $v | toString }}{{ end }}
{{- end }}

{{/*
An integer setting the chart computes with: the configured value, else the
worker's default. Usage: include "trailstream.intSetting" (list $ "NAME") | int
*/}}
{{- define "trailstream.intSetting" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $v := include "trailstream.configValue" (list $root $name) }}
{{- if eq $v "" }}{{ get (include "trailstream.settingDefaults" $root | fromYaml) $name }}{{ else }}{{ $v }}{{ end }}
{{- end }}

{{- define "trailstream.metricsPort" -}}
{{- $port := include "trailstream.intSetting" (list . "TRAILSTREAM_METRICS_PORT") | int }}
{{- if eq $port 0 }}
{{- fail "config.TRAILSTREAM_METRICS_PORT is 0, which turns off the server the probes, the metrics Service and KEDA's readiness rely on; leave it unset (9464) or choose another port" }}
{{- end }}
{{- $port }}
{{- end }}

{{/*
terminationGracePeriodSeconds: preStop + the longest the worker takes to stop
after SIGTERM (its current long poll returns within the wait time; in-flight
messages get the grace period, counted from SIGTERM) + time to release
leftovers and close connections.
*/}}
{{- define "trailstream.terminationGracePeriodSeconds" -}}
{{- $grace := include "trailstream.intSetting" (list . "TRAILSTREAM_SHUTDOWN_GRACE_SECONDS") | int }}
{{- $wait := include "trailstream.intSetting" (list . "TRAILSTREAM_WAIT_TIME_SECONDS") | int }}
{{- add (int .Values.shutdown.preStopSleepSeconds) (max $grace $wait) (int .Values.shutdown.releaseMarginSeconds) }}
{{- end }}

{{/*
Checks what the worker would otherwise only find out once running.
*/}}
{{- define "trailstream.validate" -}}
{{- range $name := list "OPENSEARCH_URL" "AWS_REGION" "TRAILSTREAM_QUEUE_URL" }}
{{- if eq (include "trailstream.configValue" (list $ $name)) "" }}
{{- fail (printf "config.%s is required (docs/configuration.md, docs/deploy.md)" $name) }}
{{- end }}
{{- end }}
{{- if and (eq (include "trailstream.configValue" (list . "TRAILSTREAM_ALLOWED_BUCKETS")) "") (eq (include "trailstream.configValue" (list . "TRAILSTREAM_BUCKET")) "") }}
{{- fail "config.TRAILSTREAM_ALLOWED_BUCKETS (or TRAILSTREAM_BUCKET) is required: the worker reads only buckets on this list" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (not .Values.autoscaling.keda.enabled) (lt (int .Values.autoscaling.minReplicas) 1) }}
{{- fail "autoscaling.minReplicas 0 needs KEDA (autoscaling.keda.enabled): a CPU HorizontalPodAutoscaler cannot scale to zero" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- if and .Values.autoscaling.keda.roleArn (eq .Values.autoscaling.keda.identityOwner "workload") }}
{{- fail "autoscaling.keda.roleArn and identityOwner workload exclude each other (KEDA supports one or the other): set identityOwner to keda when KEDA should assume roleArn" }}
{{- end }}
{{- end }}

{{/*
The container environment: every non-empty config value, then the settings
read from the existing Secret. Shared by the worker and the setup Job.
*/}}
{{- define "trailstream.env" -}}
{{- range $name, $_ := .Values.config }}
{{- $v := include "trailstream.configValue" (list $ $name) }}
{{- if ne $v "" }}
- name: {{ $name }}
  value: {{ $v | quote }}
{{- end }}
{{- end }}
{{- if .Values.secrets.existingSecret }}
{{- range $name, $key := .Values.secrets.keys }}
{{- if ne (include "trailstream.configValue" (list $ $name)) "" }}
{{- fail (printf "%s is set in both config and secrets.keys: keep it in one place" $name) }}
{{- end }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.secrets.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Container security context: no root, no privilege escalation, no capabilities,
read-only root filesystem (nothing is written under /app; /tmp is an emptyDir).
*/}}
{{- define "trailstream.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}
