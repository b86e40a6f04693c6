{{/*
Who calls whom over HTTP, and who reaches the outside world over HTTPS. Together with
componentNeeds (Kafka, Redis, PostgreSQL) this is the whole traffic matrix of DESIGN.md.
*/}}
{{- define "portcullis.componentFlows" -}}
gateway: { calls: [auth, okta-mcp], externalHttps: true }
auth: { calls: [], externalHttps: true }
governance: { calls: [auth], externalHttps: false }
discovery: { calls: [auth, okta-mcp], externalHttps: true }
audit: { calls: [auth], externalHttps: false }
okta-mcp: { calls: [], externalHttps: true }
migrate: { calls: [], externalHttps: false }
{{- end -}}

{{/* Egress rule to a backing service: ports + optional peers ([] = any destination). */}}
{{- define "portcullis.egressRule" -}}
- ports:
  {{- range .ports }}
    - port: {{ . }}
      protocol: {{ $.protocol | default "TCP" }}
  {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
The NetworkPolicy of one component (a service or "migrate").
Usage: include "portcullis.networkPolicy" (dict "component" "gateway" "context" $)
*/}}
{{- define "portcullis.networkPolicy" -}}
{{- $ctx := .context -}}
{{- $component := .component -}}
{{- $np := $ctx.Values.networkPolicy -}}
{{- $flows := include "portcullis.componentFlows" . | fromYaml -}}
{{- $needs := index (include "portcullis.componentNeeds" . | fromYaml) $component -}}
{{- $mine := index $flows $component -}}
{{- $isService := ne $component "migrate" -}}
{{- $port := 0 -}}
{{- if $isService }}{{ $port = (include "portcullis.componentValues" . | fromYaml).containerPort }}{{ end -}}
{{- $public := false -}}
{{- range $ctx.Values.routes }}{{ if eq .service $component }}{{ $public = true }}{{ end }}{{ end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
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
  podSelector:
    matchLabels:
      {{- include "portcullis.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- if $isService }}
    {{- if $public }}
    # Public routes (Ingress / HTTPRoute) reach this service.
    - ports: [{ port: {{ $port }}, protocol: TCP }]
      {{- with $np.ingressFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- $callers := list }}
    {{- range $caller, $f := $flows }}{{ if has $component $f.calls }}{{ $callers = append $callers $caller }}{{ end }}{{ end }}
    {{- if $callers }}
    # Internal callers.
    - ports: [{ port: {{ $port }}, protocol: TCP }]
      from:
        {{- range $callers }}
        - podSelector:
            matchLabels:
              {{- include "portcullis.selectorLabels" (dict "component" . "context" $ctx) | nindent 14 }}
        {{- end }}
    {{- end }}
    # Prometheus scrapes /metrics.
    - ports: [{ port: {{ $port }}, protocol: TCP }]
      {{- with $np.metricsFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- with $np.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  egress:
    # Cluster DNS.
    {{- include "portcullis.egressRule" (dict "ports" $np.dns.ports "to" $np.dns.to "protocol" "UDP") | nindent 4 }}
    {{- include "portcullis.egressRule" (dict "ports" $np.dns.ports "to" $np.dns.to "protocol" "TCP") | nindent 4 }}
    {{- range $mine.calls }}
    {{- $target := dict "component" . "context" $ctx }}
    # HTTP to {{ . }}.
    - ports: [{ port: {{ (include "portcullis.componentValues" $target | fromYaml).containerPort }}, protocol: TCP }]
      to:
        - podSelector:
            matchLabels:
              {{- include "portcullis.selectorLabels" $target | nindent 14 }}
    {{- end }}
    {{- if has "kafka" $needs }}
    {{- $ports := list }}
    {{- range $ctx.Values.kafka.brokers }}
    {{- $parts := splitList ":" . }}
    {{- $p := ternary (last $parts) "9092" (gt (len $parts) 1) }}
    {{- $ports = append $ports (atoi $p) }}
    {{- end }}
    # Kafka.
    {{- include "portcullis.egressRule" (dict "ports" (uniq $ports) "to" $np.kafka.to) | nindent 4 }}
    {{- end }}
    {{- if has "redis" $needs }}
    # Redis.
    {{- include "portcullis.egressRule" (dict "ports" (list $ctx.Values.externalRedis.port) "to" $np.redis.to) | nindent 4 }}
    {{- end }}
    {{- if has "database" $needs }}
    # PostgreSQL.
    {{- include "portcullis.egressRule" (dict "ports" (list $ctx.Values.externalDatabase.port) "to" $np.postgres.to) | nindent 4 }}
    {{- end }}
    {{- if $mine.externalHttps }}
    # External HTTPS (IdP, Okta, remote MCP servers).
    {{- include "portcullis.egressRule" (dict "ports" $np.externalHttps.ports "to" $np.externalHttps.to) | nindent 4 }}
    {{- end }}
    {{- with $np.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
