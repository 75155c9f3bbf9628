{{/*
A service's plain environment (its ConfigMap's data), as a YAML map. Secrets never appear here:
they are secretKeyRef entries or mounted files (backbone.secretEnv, backbone.secretFiles).
*/}}
{{- define "backbone.plainEnv" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $env := dict -}}
{{- $_ := set $env "HTTP_HOST" "0.0.0.0" -}}
{{- $_ := set $env "HTTP_PORT" (toString (int $svc.port)) -}}
{{- $_ := set $env "KAFKA_BROKERS" $root.Values.kafka.bootstrapServers -}}
{{- $_ := set $env "SITE_ROLE" $root.Values.site.role -}}
{{- $_ := set $env "LOG_LEVEL" (default $root.Values.logLevel $svc.logLevel) -}}
{{- if $svc.database.enabled -}}
{{- /* Services with an event store replay `<source>.<topic>` as replicas. */ -}}
{{- $_ := set $env "REPLICATION_SOURCE" (include "backbone.replicationSource" $root) -}}
{{- end -}}
{{- $otel := merge (deepCopy (default dict $svc.otel)) $root.Values.otel -}}
{{- if $otel.endpoint -}}
{{- $_ := set $env "OTEL_SERVICE_NAME" .name -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" $otel.endpoint -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_PROTOCOL" $otel.protocol -}}
{{- $_ := set $env "OTEL_TRACES_SAMPLER" $otel.sampler -}}
{{- $_ := set $env "OTEL_TRACES_SAMPLER_ARG" (toString $otel.samplerArg) -}}
{{- $attributes := merge (dict "deployment.environment.name" $root.Values.site.role "k8s.namespace.name" $root.Release.Namespace) (default dict $otel.resourceAttributes) -}}
{{- $pairs := list -}}
{{- range $key := keys $attributes | sortAlpha -}}
{{- $pairs = append $pairs (printf "%s=%s" $key (index $attributes $key)) -}}
{{- end -}}
{{- $_ := set $env "OTEL_RESOURCE_ATTRIBUTES" (join "," $pairs) -}}
{{- end -}}
{{- range $callee := $svc.calls -}}
{{- $target := index $root.Values.services $callee -}}
{{- if $target.enabled -}}
{{- $_ := set $env (printf "%s_URL" ($callee | upper | replace "-" "_")) (include "backbone.serviceUrl" (dict "root" $root "name" $callee)) -}}
{{- end -}}
{{- end -}}
{{- if eq .name "embassy-sync" -}}
{{- $watched := include "backbone.watchedServices" $root | fromJsonArray -}}
{{- if not $watched -}}
{{- fail "embassy-sync watches no service: set site.peerUrls (the other site's URL of each service with a database), or disable services.embassy-sync" -}}
{{- end -}}
{{- $entries := list -}}
{{- range $name := $watched -}}
{{- $local := include "backbone.serviceUrl" (dict "root" $root "name" $name) -}}
{{- $peer := index $root.Values.site.peerUrls $name | trimSuffix "/" -}}
{{- if eq $root.Values.site.role "primary" -}}
{{- $entries = append $entries (printf "%s=%s,%s" $name $local $peer) -}}
{{- else -}}
{{- $entries = append $entries (printf "%s=%s,%s" $name $peer $local) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $env "SYNC_SERVICES" (join ";" $entries) -}}
{{- end -}}
{{- if $root.Values.kafka.sasl.enabled -}}
{{- $_ := set $env "KAFKA_SASL_MECHANISM" $root.Values.kafka.sasl.mechanism -}}
{{- $_ := set $env "KAFKA_SASL_USERNAME" (include "backbone.kafkaUser" .) -}}
{{- end -}}
{{- range $variable, $file := include "backbone.secretFiles" . | fromJson -}}
{{- $_ := set $env $variable (printf "%s/%s" (include "backbone.secretFileDir" $variable) $file.key) -}}
{{- end -}}
{{- range $variable, $value := $svc.env -}}
{{- $_ := set $env $variable (toString $value) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* The variables whose values come from existing Secrets, as container env entries. */}}
{{- define "backbone.secretEnv" -}}
{{- $root := .root -}}
{{- if .svc.database.enabled }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "services.%s.database.existingSecret is required" .name) .svc.database.existingSecret }}
      key: {{ .svc.database.urlKey }}
{{- end }}
{{- if $root.Values.kafka.sasl.enabled }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "backbone.kafkaUser" . }}
      key: {{ $root.Values.kafka.sasl.passwordKey }}
{{- end }}
- name: AUTH_JWKS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.auth.existingSecret }}
      key: {{ $root.Values.auth.secretKeys.jwksUrl }}
- name: AUTH_ISSUER
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.auth.existingSecret }}
      key: {{ $root.Values.auth.secretKeys.issuer }}
- name: AUTH_AUDIENCE
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.auth.existingSecret }}
      key: {{ $root.Values.auth.secretKeys.audience }}
{{- end -}}
