{{- define "aim.name" -}}aim{{- end -}}

{{- define "aim.fullname" -}}
{{- if contains "aim" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-aim" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "aim.scheduler.fullname" -}}{{ include "aim.fullname" . }}-scheduler{{- end -}}

{{- define "aim.labels" -}}
app.kubernetes.io/name: {{ include "aim.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "aim.scheduler.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aim.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: scheduler
{{- end -}}

{{- define "aim.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "aim.scheduler.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "aim.image" -}}
{{- $root := index . 0 -}}
{{- $img := index . 1 -}}
{{- $tag := default $root.Chart.AppVersion $img.tag -}}
{{- if $root.Values.image.registry -}}
{{- printf "%s/%s:%s" $root.Values.image.registry $img.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $img.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "aim.webhook.secretName" -}}
{{- default (printf "%s-webhook-tls" (include "aim.fullname" .)) .Values.webhook.secretName -}}
{{- end -}}

{{- define "aim.webhook.serviceName" -}}{{ include "aim.scheduler.fullname" . }}{{- end -}}

{{- define "aim.scalerAddress" -}}
{{- default (printf "%s.%s.svc:%v" (include "aim.scheduler.fullname" .) .Release.Namespace .Values.scheduler.grpcPort) .Values.keda.scalerAddress -}}
{{- end -}}

{{- define "aim.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The ClusterTriggerAuthentication holding KEDA's client certificate towards the scheduler. */}}
{{- define "aim.keda.triggerAuthentication" -}}
{{- printf "%s-keda-client" (include "aim.scheduler.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
