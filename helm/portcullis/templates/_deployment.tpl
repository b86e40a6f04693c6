{{/*
The Deployment of one service. Usage: include "portcullis.deployment" (dict "component" "gateway" "context" $)
*/}}
{{- define "portcullis.deployment" -}}
{{- $ctx := .context -}}
{{- $v := include "portcullis.componentValues" . | fromYaml -}}
{{- $name := include "portcullis.componentFullname" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ include "portcullis.namespace" $ctx }}
  labels:
    {{- include "portcullis.labels" . | nindent 4 }}
  {{- with include "portcullis.annotations" (dict "context" $ctx) }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
spec:
  {{- if not (and $v.autoscaling $v.autoscaling.enabled) }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "portcullis.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "portcullis.labels" . | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- include "portcullis.checksums" $ctx | nindent 8 }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "portcullis.serviceAccountName" $ctx }}
      automountServiceAccountToken: {{ $ctx.Values.serviceAccount.automountServiceAccountToken }}
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $ctx.Values.terminationGracePeriodSeconds }}
      {{- with $ctx.Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- with include "portcullis.imagePullSecrets" $ctx }}{{ . | trim | nindent 6 }}{{- end }}
      {{- with include "portcullis.podSecurityContext" $ctx }}{{ . | trim | nindent 6 }}{{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $v.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml $v.topologySpreadConstraints | nindent 8 }}
      {{- else if $ctx.Values.topologySpread.enabled }}
      topologySpreadConstraints:
        - maxSkew: {{ $ctx.Values.topologySpread.zoneSkew }}
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "portcullis.selectorLabels" . | nindent 14 }}
          matchLabelKeys: [pod-template-hash]
        - maxSkew: {{ $ctx.Values.topologySpread.nodeSkew }}
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "portcullis.selectorLabels" . | nindent 14 }}
          matchLabelKeys: [pod-template-hash]
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "portcullis.image" $ctx }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          args: [{{ .component | quote }}]
          ports:
            - name: http
              containerPort: {{ $v.containerPort }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "portcullis.configMapName" $ctx }}
            {{- with include "portcullis.extraEnvFrom" $ctx }}{{ . | trim | nindent 12 }}{{- end }}
          env:
            - name: PORT
              value: {{ $v.containerPort | quote }}
            {{- if eq .component "okta-mcp" }}
            - name: OKTA_MCP_PORT
              value: {{ $v.containerPort | quote }}
            {{- end }}
            {{- include "portcullis.secretEnvVars" (dict "component" .component "context" $ctx "chartSecret" (include "portcullis.secretName" $ctx)) | nindent 12 }}
            {{- with $ctx.Values.extraEnvVars }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnvVars }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet: { path: /healthz, port: http }
            {{- toYaml $v.startupProbe | nindent 12 }}
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            {{- toYaml $v.livenessProbe | nindent 12 }}
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            {{- toYaml $v.readinessProbe | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          {{- with include "portcullis.containerSecurityContext" $ctx }}{{ . | trim | nindent 10 }}{{- end }}
          {{- include "portcullis.volumeMounts" $ctx | nindent 10 }}
      {{- include "portcullis.volumes" $ctx | nindent 6 }}
{{- end -}}
