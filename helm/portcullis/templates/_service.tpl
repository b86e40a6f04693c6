{{/* The Service of one service. Usage: include "portcullis.service" (dict "component" "gateway" "context" $) */}}
{{- define "portcullis.service" -}}
{{- $ctx := .context -}}
{{- $v := include "portcullis.componentValues" . | fromYaml -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "portcullis.componentFullname" . }}
  namespace: {{ include "portcullis.namespace" $ctx }}
  labels:
    {{- include "portcullis.labels" . | nindent 4 }}
  {{- with include "portcullis.annotations" (dict "context" $ctx "extra" $v.service.annotations) }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $v.service.type }}
  ports:
    - name: http
      port: {{ $v.service.port }}
      targetPort: http
      protocol: TCP
  selector:
    {{- include "portcullis.selectorLabels" . | nindent 4 }}
{{- end -}}
