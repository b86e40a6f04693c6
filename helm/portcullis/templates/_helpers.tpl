{{/*
Portcullis chart helpers. Every object template is one small file that calls the generators below
with a component name, so the six services share one definition of a Deployment, Service, PDB and
NetworkPolicy and differ only in values.
*/}}

{{/* Chart name, overridable. */}}
{{- define "portcullis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified app name (release-based), truncated so that "<fullname>-governance" fits 63 chars. */}}
{{- define "portcullis.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 48 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 48 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 48 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "portcullis.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "portcullis.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The services. Each entry: values key, port default comes from values. `needs` says which secrets
and backing services a component gets (least privilege: only auth sees the KEKs, only the
database owners see DATABASE_URL, ...). "migrate" is the migration Job (needs of auth, governance, audit).
*/}}
{{- define "portcullis.componentNeeds" -}}
gateway: [kafka]
auth: [kafka, redis, database, keks, idp]
governance: [kafka, database]
discovery: [kafka, database]
audit: [kafka, database]
okta-mcp: []
migrate: [kafka, redis, database, keks, idp]
{{- end -}}

{{/* Services that own a database schema, in the order their migrations run. */}}
{{- define "portcullis.migratingComponents" -}}
{{- $needs := include "portcullis.componentNeeds" . | fromYaml -}}
{{- $out := list -}}
{{- range list "auth" "governance" "discovery" "audit" -}}
{{- if has "database" (index $needs .) }}{{ $out = append $out . }}{{ end -}}
{{- end -}}
{{- $out | toJson -}}
{{- end -}}

{{- define "portcullis.components" -}}
{{- list "gateway" "auth" "governance" "discovery" "audit" "okta-mcp" | toJson -}}
{{- end -}}

{{/* Values key of a component: okta-mcp -> oktaMcp. */}}
{{- define "portcullis.valuesKey" -}}
{{- if eq . "okta-mcp" -}}oktaMcp{{- else -}}{{ . }}{{- end -}}
{{- end -}}

{{/* The values of a component. Usage: include "portcullis.componentValues" (dict "component" "gateway" "context" $) | fromYaml */}}
{{- define "portcullis.componentValues" -}}
{{- index .context.Values (include "portcullis.valuesKey" .component) | toYaml -}}
{{- end -}}

{{/* Name of a component's objects: <fullname>-<component>. */}}
{{- define "portcullis.componentFullname" -}}
{{- printf "%s-%s" (include "portcullis.fullname" .context) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Standard labels. Pass (dict "context" $ "component" "gateway"); component may be "". */}}
{{- define "portcullis.labels" -}}
helm.sh/chart: {{ include "portcullis.chart" .context }}
{{ include "portcullis.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
app.kubernetes.io/part-of: portcullis
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Selector labels: name + instance (+ component, which tells the six Deployments of one release
apart). Never the version or chart labels: selectors are immutable and must survive upgrades.
*/}}
{{- define "portcullis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "portcullis.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{/* metadata.annotations content from commonAnnotations plus extra (a dict). */}}
{{- define "portcullis.annotations" -}}
{{- $all := merge (dict) (.extra | default dict) (.context.Values.commonAnnotations | default dict) -}}
{{- if $all }}
{{- toYaml $all }}
{{- end }}
{{- end -}}

{{/* image reference: registry/repository:tag or @digest. */}}
{{- define "portcullis.image" -}}
{{- $registry := .Values.global.imageRegistry | default .Values.image.registry -}}
{{- $repo := .Values.image.repository -}}
{{- if $registry }}{{ $repo = printf "%s/%s" $registry $repo }}{{ end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repo .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}
{{- end -}}

{{- define "portcullis.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "portcullis.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "portcullis.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Names of the chart-managed Secret, the migration hook's Secret and the shared ConfigMap. */}}
{{- define "portcullis.secretName" -}}{{ include "portcullis.fullname" . }}{{- end -}}
{{- define "portcullis.migrationsSecretName" -}}{{ printf "%s-migrations" (include "portcullis.fullname" .) }}{{- end -}}
{{- define "portcullis.configMapName" -}}{{ printf "%s-env" (include "portcullis.fullname" .) }}{{- end -}}

{{/* Host part of publicUrl (for Ingress / HTTPRoute defaults). */}}
{{- define "portcullis.publicHost" -}}
{{- $u := urlParse (required "publicUrl is required" .Values.publicUrl) -}}
{{- (split ":" $u.host)._0 -}}
{{- end -}}

{{- define "portcullis.publicUrl" -}}
{{- .Values.publicUrl | trimSuffix "/" -}}
{{- end -}}

{{/* In-cluster URL of a component's Service. */}}
{{- define "portcullis.internalUrl" -}}
{{- $v := include "portcullis.componentValues" . | fromYaml -}}
{{- printf "http://%s:%v" (include "portcullis.componentFullname" .) $v.service.port -}}
{{- end -}}

{{/* PostgreSQL URL without credentials: host:port/db?sslmode */}}
{{- define "portcullis.databaseLocation" -}}
{{- $db := .Values.externalDatabase -}}
{{- printf "%s:%v/%s" $db.host $db.port $db.database -}}
{{- if $db.sslMode }}?sslmode={{ $db.sslMode }}{{ end -}}
{{- end -}}

{{- define "portcullis.redisScheme" -}}
{{- if .Values.externalRedis.tls }}rediss{{ else }}redis{{ end -}}
{{- end -}}

{{/* Is anything secret configured to come from the chart-managed Secret? */}}
{{- define "portcullis.usesChartDatabaseSecret" -}}
{{- if not .Values.externalDatabase.existingSecret }}true{{ end -}}
{{- end -}}
{{- define "portcullis.usesChartRedisSecret" -}}
{{- if and (not .Values.externalRedis.existingSecret) .Values.externalRedis.password }}true{{ end -}}
{{- end -}}
{{- define "portcullis.usesChartKafkaSecret" -}}
{{- if and .Values.kafka.sasl.mechanism (not .Values.kafka.sasl.existingSecret) }}true{{ end -}}
{{- end -}}

{{/*
The data of the chart-managed Secret (plain values; the Secret template base64-encodes them).
Only values that do NOT come from an existing Secret are here: with every existingSecret set this
is empty and no Secret is rendered at all.
*/}}
{{- define "portcullis.secretData" -}}
{{- $v := .Values -}}
{{- if not $v.secrets.existingSecret }}
INTERNAL_SERVICE_SECRET: {{ required "secrets.internalServiceSecret is required (at least 32 characters) unless secrets.existingSecret is set" $v.secrets.internalServiceSecret | quote }}
PORTCULLIS_KEKS: {{ required "secrets.keks is required unless secrets.existingSecret is set" $v.secrets.keks | quote }}
{{- with $v.idp.clientSecret }}
IDP_CLIENT_SECRET: {{ . | quote }}
{{- else }}
{{- fail "idp.clientSecret is required unless secrets.existingSecret is set" }}
{{- end }}
{{- with $v.secrets.bootstrapAdminToken }}
PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN: {{ . | quote }}
{{- end }}
{{- end }}
{{- if include "portcullis.usesChartDatabaseSecret" . }}
{{- $db := $v.externalDatabase }}
DATABASE_URL: {{ printf "postgresql://%s:%s@%s" (urlquery $db.user) (urlquery (required "externalDatabase.password is required unless externalDatabase.existingSecret is set" $db.password)) (include "portcullis.databaseLocation" .) | quote }}
{{- end }}
{{- if include "portcullis.usesChartRedisSecret" . }}
{{- $r := $v.externalRedis }}
REDIS_URL: {{ printf "%s://%s:%s@%s:%v/%v" (include "portcullis.redisScheme" .) (urlquery $r.username) (urlquery $r.password) $r.host $r.port $r.db | quote }}
{{- end }}
{{- if include "portcullis.usesChartKafkaSecret" . }}
KAFKA_SASL_USERNAME: {{ required "kafka.sasl.username is required when kafka.sasl.mechanism is set" $v.kafka.sasl.username | quote }}
KAFKA_SASL_PASSWORD: {{ required "kafka.sasl.password is required when kafka.sasl.mechanism is set" $v.kafka.sasl.password | quote }}
{{- end }}
{{- end -}}

{{/* Non-secret configuration shared by every service (the ConfigMap, and inline in the migration Job). */}}
{{- define "portcullis.configData" -}}
{{- $v := .Values -}}
PORTCULLIS_MODE: distributed
PORTCULLIS_TENANT_ID: {{ $v.tenantId | quote }}
LOG_LEVEL: {{ $v.logLevel | quote }}
HOST: "0.0.0.0"
SHUTDOWN_DRAIN_MS: {{ $v.shutdownDrainMs | quote }}
PUBLIC_URL: {{ include "portcullis.publicUrl" . | quote }}
AUTH_INTERNAL_URL: {{ include "portcullis.internalUrl" (dict "component" "auth" "context" .) | quote }}
OKTA_MCP_URL: {{ printf "%s/mcp" (include "portcullis.internalUrl" (dict "component" "okta-mcp" "context" .)) | quote }}
KAFKA_BROKERS: {{ join "," $v.kafka.brokers | quote }}
KAFKA_TOPIC_PREFIX: {{ $v.kafka.topicPrefix | quote }}
KAFKA_SSL: {{ $v.kafka.tls.enabled | quote }}
KAFKA_REPLICATION_FACTOR: {{ $v.kafka.replicationFactor | quote }}
KAFKA_PARTITIONS: {{ $v.kafka.partitions | quote }}
{{- with $v.kafka.sasl.mechanism }}
KAFKA_SASL_MECHANISM: {{ . | quote }}
{{- end }}
DATABASE_POOL_SIZE: {{ $v.externalDatabase.poolSize | quote }}
REDIS_KEY_PREFIX: {{ $v.externalRedis.keyPrefix | quote }}
IDP_ISSUER_URL: {{ $v.idp.issuerUrl | quote }}
IDP_CLIENT_ID: {{ $v.idp.clientId | quote }}
IDP_SCOPES: {{ $v.idp.scopes | quote }}
IDP_GROUPS_CLAIM: {{ $v.idp.groupsClaim | quote }}
ADMIN_GROUPS: {{ join "," $v.adminGroups | quote }}
AUDIT_VERBOSITY: {{ $v.audit.verbosity | quote }}
AUDIT_RETENTION_DAYS: {{ $v.audit.retentionDays | quote }}
OKTA_REQUEST_TIMEOUT_MS: {{ $v.oktaMcp.requestTimeoutMs | quote }}
{{- with $v.okta.orgAllowlist }}
OKTA_ORG_ALLOWLIST: {{ join "," . | quote }}
{{- end }}
{{- with $v.governance.remoteMcpAllowlist }}
REMOTE_MCP_ALLOWLIST: {{ join "," . | quote }}
{{- end }}
{{- with $v.gateway.allowedOrigins }}
ALLOWED_ORIGINS: {{ join "," . | quote }}
{{- end }}
{{- if $v.caBundle.existingSecret }}
NODE_EXTRA_CA_CERTS: /etc/portcullis/ca/{{ $v.caBundle.key }}
{{- end }}
{{- end -}}

{{/* secretKeyRef env entry. (dict "name" ENV "secret" NAME "key" KEY "optional" bool) */}}
{{- define "portcullis.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/*
Environment of a component that is secret or depends on a secret. (dict "component" C "context" $ "chartSecret" NAME)
chartSecret is the chart-managed Secret the values come from (the migration hook uses its own copy).
*/}}
{{- define "portcullis.secretEnvVars" -}}
{{- $ctx := .context -}}
{{- $v := $ctx.Values -}}
{{- $needs := index (include "portcullis.componentNeeds" . | fromYaml) .component -}}
{{- $chart := .chartSecret -}}
{{- $core := $v.secrets.existingSecret | default $chart -}}
{{- $keys := $v.secrets.keys -}}
{{- $ext := not (empty $v.secrets.existingSecret) -}}
{{ include "portcullis.secretEnv" (dict "name" "INTERNAL_SERVICE_SECRET" "secret" $core "key" (ternary $keys.internalServiceSecret "INTERNAL_SERVICE_SECRET" $ext)) }}
{{- if has "keks" $needs }}
{{ include "portcullis.secretEnv" (dict "name" "PORTCULLIS_KEKS" "secret" $core "key" (ternary $keys.keks "PORTCULLIS_KEKS" $ext)) }}
{{- end }}
{{- if has "idp" $needs }}
{{ include "portcullis.secretEnv" (dict "name" "IDP_CLIENT_SECRET" "secret" $core "key" (ternary $keys.idpClientSecret "IDP_CLIENT_SECRET" $ext)) }}
{{- if or $ext $v.secrets.bootstrapAdminToken }}
{{ include "portcullis.secretEnv" (dict "name" "PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN" "secret" $core "key" (ternary $keys.bootstrapAdminToken "PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN" $ext) "optional" $ext) }}
{{- end }}
{{- end }}
{{- if has "database" $needs }}
{{- $db := $v.externalDatabase }}
{{- if and $db.existingSecret $db.existingSecretUrlKey }}
{{ include "portcullis.secretEnv" (dict "name" "DATABASE_URL" "secret" $db.existingSecret "key" $db.existingSecretUrlKey) }}
{{- else if $db.existingSecret }}
{{ include "portcullis.secretEnv" (dict "name" "DATABASE_PASSWORD" "secret" $db.existingSecret "key" $db.existingSecretPasswordKey) }}
- name: DATABASE_URL
  value: {{ printf "postgresql://%s:$(DATABASE_PASSWORD)@%s" (urlquery $db.user) (include "portcullis.databaseLocation" $ctx) | quote }}
{{- else }}
{{ include "portcullis.secretEnv" (dict "name" "DATABASE_URL" "secret" $chart "key" "DATABASE_URL") }}
{{- end }}
{{- end }}
{{- if has "redis" $needs }}
{{- $r := $v.externalRedis }}
{{- if $r.existingSecret }}
{{ include "portcullis.secretEnv" (dict "name" "REDIS_PASSWORD" "secret" $r.existingSecret "key" $r.existingSecretPasswordKey) }}
- name: REDIS_URL
  value: {{ printf "%s://%s:$(REDIS_PASSWORD)@%s:%v/%v" (include "portcullis.redisScheme" $ctx) (urlquery $r.username) $r.host $r.port $r.db | quote }}
{{- else if $r.password }}
{{ include "portcullis.secretEnv" (dict "name" "REDIS_URL" "secret" $chart "key" "REDIS_URL") }}
{{- else }}
- name: REDIS_URL
  value: {{ printf "%s://%s:%v/%v" (include "portcullis.redisScheme" $ctx) $r.host $r.port $r.db | quote }}
{{- end }}
{{- end }}
{{- if and (has "kafka" $needs) $v.kafka.sasl.mechanism }}
{{- $s := $v.kafka.sasl }}
{{- if $s.existingSecret }}
{{ include "portcullis.secretEnv" (dict "name" "KAFKA_SASL_USERNAME" "secret" $s.existingSecret "key" $s.existingSecretUsernameKey) }}
{{ include "portcullis.secretEnv" (dict "name" "KAFKA_SASL_PASSWORD" "secret" $s.existingSecret "key" $s.existingSecretPasswordKey) }}
{{- else }}
{{ include "portcullis.secretEnv" (dict "name" "KAFKA_SASL_USERNAME" "secret" $chart "key" "KAFKA_SASL_USERNAME") }}
{{ include "portcullis.secretEnv" (dict "name" "KAFKA_SASL_PASSWORD" "secret" $chart "key" "KAFKA_SASL_PASSWORD") }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod security context. */}}
{{- define "portcullis.podSecurityContext" -}}
{{- if .Values.podSecurityContext.enabled }}
securityContext:
  {{- toYaml (omit .Values.podSecurityContext "enabled") | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "portcullis.containerSecurityContext" -}}
{{- if .Values.containerSecurityContext.enabled }}
securityContext:
  {{- toYaml (omit .Values.containerSecurityContext "enabled") | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Volumes every pod has: /tmp (the only writable path) and, optionally, the CA bundle. */}}
{{- define "portcullis.volumes" -}}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
{{- if .Values.caBundle.existingSecret }}
  - name: ca-bundle
    secret:
      secretName: {{ .Values.caBundle.existingSecret }}
      items:
        - key: {{ .Values.caBundle.key }}
          path: {{ .Values.caBundle.key }}
{{- end }}
{{- end -}}

{{- define "portcullis.volumeMounts" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- if .Values.caBundle.existingSecret }}
  - name: ca-bundle
    mountPath: /etc/portcullis/ca
    readOnly: true
{{- end }}
{{- end -}}

{{/* envFrom for the operator's extra ConfigMap / Secret. */}}
{{- define "portcullis.extraEnvFrom" -}}
{{- with .Values.extraEnvVarsCM }}
- configMapRef:
    name: {{ . }}
{{- end }}
{{- with .Values.extraEnvVarsSecret }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end -}}

{{/* Checksums that roll the pods when the configuration or the chart-managed secrets change. */}}
{{- define "portcullis.checksums" -}}
checksum/config: {{ include "portcullis.configData" . | sha256sum }}
checksum/secret: {{ include "portcullis.secretData" . | sha256sum }}
{{- end -}}
