{{/*
Helpers shared by the three roles. Most take a dict: (dict "root" $ "component" "server").
Components: application-controller, server, repo-server. Object names are <release>-<component>.
*/}}

{{- define "kawa.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The values of one component (controller, server, repoServer). */}}
{{- define "kawa.values" -}}
{{- $key := get (dict "application-controller" "controller" "server" "server" "repo-server" "repoServer") .component -}}
{{- toYaml (get .root.Values $key) -}}
{{- end -}}

{{- define "kawa.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kawa.fullname" . }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "kawa.labels" -}}
{{ include "kawa.selectorLabels" . }}
app.kubernetes.io/part-of: kawa
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of the settings objects kawa reads under Argo CD's names (argocd-cm, …). */}}
{{- define "kawa.argocdLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: argocd
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "kawa.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Whether ClusterRoles and ClusterRoleBindings are rendered. */}}
{{- define "kawa.clusterRbac" -}}
{{- if and .Values.createClusterRoles (not .Values.namespaced) -}}true{{- end -}}
{{- end -}}

{{- define "kawa.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 999
runAsGroup: 999
fsGroup: 999
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "kawa.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 999
runAsGroup: 999
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The root filesystem is read-only: /tmp and HOME (git, helm and the render caches) are emptyDirs. */}}
{{- define "kawa.volumes" -}}
- name: tmp
  emptyDir: {}
- name: home
  emptyDir: {}
{{- end -}}

{{- define "kawa.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: home
  mountPath: /home/kawa
{{- end -}}

{{/*
Scheduling of a component's pods: its own nodeSelector/tolerations/affinity, else the global ones;
without any affinity, the default anti-affinity between its replicas (by hostname).
*/}}
{{- define "kawa.scheduling" -}}
{{- $v := include "kawa.values" . | fromYaml -}}
{{- $g := .root.Values.global -}}
{{- with (default $g.nodeSelector $v.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $g.tolerations $v.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- $affinity := default $g.affinity $v.affinity -}}
{{- if $affinity }}
affinity:
  {{- toYaml $affinity | nindent 2 }}
{{- else if eq $g.podAntiAffinity "soft" }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "kawa.selectorLabels" . | nindent 14 }}
{{- else if eq $g.podAntiAffinity "hard" }}
affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "kawa.selectorLabels" . | nindent 12 }}
{{- end }}
{{- end -}}

{{/* Pod labels and annotations: the component's, then the global ones. */}}
{{- define "kawa.podMetadata" -}}
{{- $v := include "kawa.values" . | fromYaml -}}
{{- $g := .root.Values.global -}}
labels:
  {{- include "kawa.labels" . | nindent 2 }}
  {{- with (merge (dict) ($v.podLabels | default dict) ($g.podLabels | default dict)) }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with (merge (dict) ($v.podAnnotations | default dict) ($g.podAnnotations | default dict)) }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget for a component whose pdb.enabled is set. */}}
{{- define "kawa.pdb" -}}
{{- $v := include "kawa.values" . | fromYaml -}}
{{- if $v.pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "kawa.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "kawa.labels" . | nindent 4 }}
spec:
  {{- if $v.pdb.minAvailable }}
  minAvailable: {{ $v.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $v.pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "kawa.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}
