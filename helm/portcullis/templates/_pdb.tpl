{{/* The PodDisruptionBudget of one service. Usage: include "portcullis.pdb" (dict "component" "gateway" "context" $) */}}
{{- define "portcullis.pdb" -}}
{{- $ctx := .context -}}
{{- $v := include "portcullis.componentValues" . | fromYaml -}}
{{- if $v.pdb.create }}
apiVersion: policy/v1
kind: PodDisruptionBudget
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
  {{- if not (eq (toString $v.pdb.minAvailable) "") }}
  minAvailable: {{ $v.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $v.pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "portcullis.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}
