{{/* The HorizontalPodAutoscaler of one service. Usage: include "portcullis.hpa" (dict "component" "gateway" "context" $) */}}
{{- define "portcullis.hpa" -}}
{{- $ctx := .context -}}
{{- $v := include "portcullis.componentValues" . | fromYaml -}}
{{- if $v.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "portcullis.componentFullname" . }}
  namespace: {{ include "portcullis.namespace" $ctx }}
  labels:
    {{- include "portcullis.labels" . | nindent 4 }}
  {{- with include "portcullis.annotations" (dict "context" $ctx) }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "portcullis.componentFullname" . }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    {{- with $v.autoscaling.targetCPU }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with $v.autoscaling.targetMemory }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end }}
{{- end -}}
