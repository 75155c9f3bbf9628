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
{{- if $svc.kafka.enabled -}}
{{- $_ := set $env "KAFKA_BROKERS" $root.Values.kafka.bootstrapServers -}}
{{- end -}}
{{- $_ := set $env "SITE_ROLE" $root.Values.site.role -}}
{{- $_ := set $env "LOG_LEVEL" (default $root.Values.logLevel $svc.logLevel) -}}
{{- if ne .name "portal" -}}
{{- with $root.Values.rateLimit -}}
{{- $_ := set $env "RATE_LIMIT_PER_MINUTE" (toString (int .perMinute)) -}}
{{- $_ := set $env "RATE_LIMIT_BURST" (toString (int .burst)) -}}
{{- $_ := set $env "RATE_LIMIT_SERVICE_PER_MINUTE" (toString (int .service.perMinute)) -}}
{{- $_ := set $env "RATE_LIMIT_SERVICE_BURST" (toString (int .service.burst)) -}}
{{- $_ := set $env "RATE_LIMIT_SERVICE_PRINCIPALS" (join "," .service.principals) -}}
{{- end -}}
{{- end -}}
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
{{- $replicatedVariable := include "backbone.replicatedServicesVariable" . -}}
{{- if $replicatedVariable -}}
{{- $replicated := include "backbone.replicatedServices" $root -}}
{{- if $replicated -}}
{{- $_ := set $env $replicatedVariable $replicated -}}
{{- else if eq .name "embassy-sync" -}}
{{- fail "embassy-sync watches no service: set site.peerUrls (the other site's URL of each service with a database), or disable services.embassy-sync" -}}
{{- end -}}
{{- end -}}
{{- if eq .name "portal" -}}
{{- with $root.Values.portal.publicUrl -}}
{{- $_ := set $env "PORTAL_PUBLIC_URL" (trimSuffix "/" .) -}}
{{- end -}}
{{- if and (not $root.Values.portal.sessionSecret.existingSecret) (or $svc.autoscaling.enabled (gt (int $svc.replicaCount) 1)) -}}
{{- fail "portal.sessionSecret.existingSecret is required for more than one portal replica: without it each pod makes up its own session key, and a session would not hold on the next request to another pod" -}}
{{- end -}}
{{- if eq (include "backbone.portalSignIn" $root) "oidc" -}}
{{- with $root.Values.portal.signIn.oidc -}}
{{- /* Empty: the issuer the services verify tokens against, from the auth Secret (backbone.secretEnv). */ -}}
{{- with .issuer -}}
{{- $_ := set $env "PORTAL_OIDC_ISSUER" . -}}
{{- end -}}
{{- $_ := set $env "PORTAL_OIDC_CLIENT_ID" .clientId -}}
{{- $_ := set $env "PORTAL_OIDC_SCOPES" .scopes -}}
{{- with .resource -}}
{{- $_ := set $env "PORTAL_OIDC_RESOURCE" . -}}
{{- end -}}
{{- $_ := set $env "PORTAL_OIDC_ROLE_CLAIM" .roleClaim -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $root.Values.kafka.sasl.enabled $svc.kafka.enabled -}}
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
{{- if and $root.Values.kafka.sasl.enabled .svc.kafka.enabled }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "backbone.kafkaUser" . }}
      key: {{ $root.Values.kafka.sasl.passwordKey }}
{{- end }}
{{- if include "backbone.verifiesTokens" . }}
- name: AUTH_JWKS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.auth.existingSecret }}
      key: {{ $root.Values.auth.secretKeys.jwksUrl }}
{{- end }}
{{- $portalOidc := and (eq .name "portal") (eq (include "backbone.portalSignIn" $root) "oidc") }}
{{- if not $portalOidc }}
{{- /* Verified by the services, minted with by the portal's local sign-in. */}}
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
{{- else if not $root.Values.portal.signIn.oidc.issuer }}
{{- /* The provider the services trust: its issuer is the `iss` they expect. */}}
- name: PORTAL_OIDC_ISSUER
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.auth.existingSecret }}
      key: {{ $root.Values.auth.secretKeys.issuer }}
{{- end }}
{{- if eq .name "portal" }}
{{- with $root.Values.portal.sessionSecret }}
{{- if .existingSecret }}
- name: PORTAL_SESSION_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .key }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
