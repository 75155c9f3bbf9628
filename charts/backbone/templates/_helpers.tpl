{{/*
Names, labels and the pieces every service's objects share. A "service context" is a dict
{root: $, name: <service name>, svc: <its values>} made by backbone.services.
*/}}

{{- define "backbone.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "backbone.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of a service's objects: <fullname>-<service>, at most 63 characters. */}}
{{- define "backbone.serviceName" -}}
{{- printf "%s-%s" (include "backbone.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels of a service's pods. Never the chart version or anything else that changes on
upgrade: a Deployment's selector is immutable.
*/}}
{{- define "backbone.selectorLabels" -}}
app.kubernetes.io/name: {{ include "backbone.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Labels of every object of the release; `component` is the service's name (or migrate). */}}
{{- define "backbone.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "backbone.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "backbone.imageTag" . | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: backbone
backbone.gov/site-role: {{ .Values.site.role }}
{{- end -}}

{{- define "backbone.labels" -}}
{{ include "backbone.commonLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Labels of the migration Jobs' pods (selected by the migrations' NetworkPolicy). */}}
{{- define "backbone.migrateSelectorLabels" -}}
app.kubernetes.io/name: {{ include "backbone.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: migrate
{{- end -}}

{{- define "backbone.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{/* The image of a service: its own keys over the global image. */}}
{{- define "backbone.image" -}}
{{- $image := merge (deepCopy (default dict .svc.image)) .root.Values.image -}}
{{- $tag := default .root.Chart.AppVersion $image.tag -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "backbone.pullPolicy" -}}
{{- $image := merge (deepCopy (default dict .svc.image)) .root.Values.image -}}
{{- $image.pullPolicy -}}
{{- end -}}

{{/*
The enabled services in name order, as a list of service contexts. Name order keeps every
rendering of the chart identical.
*/}}
{{- define "backbone.services" -}}
{{- $list := list -}}
{{- range $name := keys .Values.services | sortAlpha -}}
{{- $svc := index $.Values.services $name -}}
{{- if $svc.enabled -}}
{{- $list = append $list (dict "name" $name "svc" $svc) -}}
{{- end -}}
{{- end -}}
{{- toJson $list -}}
{{- end -}}

{{/*
The services embassy-sync watches: every enabled service with an event store (a database) and
a URL on the other site (site.peerUrls).
*/}}
{{- define "backbone.watchedServices" -}}
{{- $list := list -}}
{{- range $name := keys .Values.services | sortAlpha -}}
{{- $svc := index $.Values.services $name -}}
{{- if and $svc.enabled $svc.database.enabled (hasKey $.Values.site.peerUrls $name) -}}
{{- $list = append $list $name -}}
{{- end -}}
{{- end -}}
{{- toJson $list -}}
{{- end -}}

{{/*
The variable in which a service gets both sites' URLs of every watched service (see
backbone.replicatedServices), by service: embassy-sync compares the two sites, the portal's
operator console fences and promotes on either. Empty for the others.
*/}}
{{- define "backbone.replicatedServicesVariable" -}}
{{- $variables := dict "embassy-sync" "SYNC_SERVICES" "portal" "PORTAL_REPLICATED_SERVICES" -}}
{{- get $variables .name -}}
{{- end -}}

{{/*
Both sites' base URLs of every watched service, `name=<primary URL>,<embassy URL>;…`: this
site's through its Service, the other site's from site.peerUrls. Empty when none is watched.
*/}}
{{- define "backbone.replicatedServices" -}}
{{- $entries := list -}}
{{- range $name := include "backbone.watchedServices" . | fromJsonArray -}}
{{- $local := include "backbone.serviceUrl" (dict "root" $ "name" $name) -}}
{{- $peer := index $.Values.site.peerUrls $name | trimSuffix "/" -}}
{{- if eq $.Values.site.role "primary" -}}
{{- $entries = append $entries (printf "%s=%s,%s" $name $local $peer) -}}
{{- else -}}
{{- $entries = append $entries (printf "%s=%s,%s" $name $peer $local) -}}
{{- end -}}
{{- end -}}
{{- join ";" $entries -}}
{{- end -}}

{{/*
Whether a service verifies bearer tokens (AUTH_JWKS_URL, egress to the identity provider).
Every service does but the portal: it passes on the tokens the provider (OpenID Connect) or
its own key (local sign-in) issued, and the services it calls verify them.
*/}}
{{- define "backbone.verifiesTokens" -}}
{{- if ne .name "portal" -}}true{{- end -}}
{{- end -}}

{{/*
Whether a service reaches the identity provider (an egress rule to networkPolicy.identityProvider):
the services fetch its JWKS, the portal with OpenID Connect its discovery document and token
endpoint.
*/}}
{{- define "backbone.reachesIdentityProvider" -}}
{{- if or (include "backbone.verifiesTokens" .) (and (eq .name "portal") .root.Values.portal.signIn.oidc.enabled) -}}true{{- end -}}
{{- end -}}

{{/*
The portal's sign-in, `oidc` or `local`, from portal.signIn: exactly one, and everything it
needs. Fails with what is missing, so that no install gets a portal that cannot sign anyone in,
or the local sign-in without asking for it.
*/}}
{{- define "backbone.portalSignIn" -}}
{{- $portal := .Values.portal -}}
{{- $oidc := $portal.signIn.oidc -}}
{{- $local := $portal.signIn.local -}}
{{- $svc := .Values.services.portal -}}
{{- range $variable := list "PORTAL_SIGNING_KEY_FILE" "PORTAL_OIDC_CLIENT_SECRET_FILE" "PORTAL_SESSION_SECRET_FILE" -}}
{{- if hasKey (default dict $svc.secretFiles) $variable -}}
{{- fail (printf "services.portal.secretFiles.%s: the portal's sign-in and session key are set under portal.signIn and portal.sessionSecret, not as secret files" $variable) -}}
{{- end -}}
{{- end -}}
{{- range $variable := keys (default dict $svc.env) | sortAlpha -}}
{{- if or (hasPrefix "PORTAL_OIDC_" $variable) (has $variable (list "PORTAL_SIGNING_KEY_FILE" "PORTAL_SESSION_SECRET" "PORTAL_SESSION_SECRET_FILE" "PORTAL_PUBLIC_URL" "AUTH_ISSUER" "AUTH_AUDIENCE")) -}}
{{- fail (printf "services.portal.env.%s: the portal's sign-in is set under portal.signIn (and portal.publicUrl, portal.sessionSecret), not as a plain variable" $variable) -}}
{{- end -}}
{{- end -}}
{{- if and $oidc.enabled $local.enabled -}}
{{- fail "portal.signIn: enable OpenID Connect (portal.signIn.oidc.enabled) or the local sign-in (portal.signIn.local.enabled, test deployments only), not both: the portal has exactly one sign-in" -}}
{{- else if $oidc.enabled -}}
{{- if not $oidc.clientId -}}
{{- fail "portal.signIn.oidc.clientId is required: the portal's client id at the identity provider" -}}
{{- end -}}
{{- if not $oidc.clientSecret.existingSecret -}}
{{- fail "portal.signIn.oidc.clientSecret.existingSecret is required: an existing Secret with the portal's client secret at the identity provider (mounted as PORTAL_OIDC_CLIENT_SECRET_FILE)" -}}
{{- end -}}
{{- if not $portal.publicUrl -}}
{{- fail "portal.publicUrl is required with OpenID Connect sign-in: the identity provider sends people back to <publicUrl>/sign-in/callback (PORTAL_PUBLIC_URL)" -}}
{{- end -}}
{{- if not $portal.sessionSecret.existingSecret -}}
{{- fail "portal.sessionSecret.existingSecret is required with OpenID Connect sign-in: the session cookies hold the provider's tokens, sealed with that key, the same on every replica (PORTAL_SESSION_SECRET)" -}}
{{- end -}}
oidc
{{- else if $local.enabled -}}
{{- if not $local.signingKey.existingSecret -}}
{{- fail "portal.signIn.local.signingKey.existingSecret is required with the local sign-in: the Secret with the private JWK the portal mints tokens with (PORTAL_SIGNING_KEY_FILE)" -}}
{{- end -}}
local
{{- else -}}
{{- fail "portal.signIn: the portal needs a sign-in: OpenID Connect against the identity provider (portal.signIn.oidc.enabled, with clientId, clientSecret, portal.publicUrl and portal.sessionSecret), or, for a test deployment only, the local sign-in (portal.signIn.local.enabled, with its signing key). Or disable the portal (services.portal.enabled: false)" -}}
{{- end -}}
{{- end -}}

{{/* The in-cluster base URL of a service of this release, through its Service. */}}
{{- define "backbone.serviceUrl" -}}
{{- $port := int .root.Values.service.port -}}
{{- if eq $port 80 -}}
{{- printf "http://%s" (include "backbone.serviceName" .) -}}
{{- else -}}
{{- printf "http://%s:%d" (include "backbone.serviceName" .) $port -}}
{{- end -}}
{{- end -}}

{{/*
The alias of the site replicated from, as MirrorMaker 2 prefixes mirrored topics:
`primary.<topic>` on the embassy. The services default to the same; the chart says it.
*/}}
{{- define "backbone.replicationSource" -}}
{{- if .Values.site.replicationSource -}}
{{- .Values.site.replicationSource -}}
{{- else if eq .Values.site.role "embassy" -}}
primary
{{- else -}}
embassy
{{- end -}}
{{- end -}}

{{/* Where a secret file is mounted: one folder per variable, so that rotation reaches it. */}}
{{- define "backbone.secretFileDir" -}}
{{- printf "/var/run/secrets/backbone/%s" (. | lower | replace "_" "-") -}}
{{- end -}}

{{/* The pod security context and the container security context, from values. */}}
{{- define "backbone.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end -}}

{{- define "backbone.containerSecurityContext" -}}
{{ toYaml .Values.containerSecurityContext }}
{{- end -}}

{{- define "backbone.required" -}}
{{- $_ := required "kafka.bootstrapServers is required: the Kafka bootstrap servers of this site (host:port, comma-separated)" .Values.kafka.bootstrapServers -}}
{{- $_ := required "auth.existingSecret is required: an existing Secret with the JWKS URL, issuer and audience" .Values.auth.existingSecret -}}
{{- end -}}

{{/*
A service's files from existing Secrets, as JSON: its own secretFiles, and the Kafka cluster's
CA when the brokers speak TLS (KAFKA_TLS_CA_FILE) and the service uses Kafka.
*/}}
{{- define "backbone.secretFiles" -}}
{{- $files := deepCopy (default dict .svc.secretFiles) -}}
{{- $tls := .root.Values.kafka.tls -}}
{{- if and $tls.caSecret .svc.kafka.enabled -}}
{{- $_ := set $files "KAFKA_TLS_CA_FILE" (dict "secretName" $tls.caSecret "key" $tls.caKey) -}}
{{- end -}}
{{- $catalogue := .root.Values.legalBases -}}
{{- if and $catalogue.existingConfigMap (has .name $catalogue.services) -}}
{{- $_ := set $files "LEGAL_BASES_FILE" (dict "configMapName" $catalogue.existingConfigMap "key" $catalogue.key) -}}
{{- end -}}
{{- $protection := .root.Values.dataProtection -}}
{{- if has .name $protection.services -}}
{{- $kek := $protection.keyEncryptionKey -}}
{{- $_ := set $files "DATA_KEK_FILE" (dict "secretName" (required (printf "dataProtection.keyEncryptionKey.existingSecret is required: %s seals personal data under keys wrapped by it (the same Secret on both sites)" .name) $kek.existingSecret) "key" $kek.key) -}}
{{- end -}}
{{- if eq .name "portal" -}}
{{- $signIn := .root.Values.portal.signIn -}}
{{- $mode := include "backbone.portalSignIn" .root -}}
{{- if eq $mode "oidc" -}}
{{- $_ := set $files "PORTAL_OIDC_CLIENT_SECRET_FILE" (dict "secretName" $signIn.oidc.clientSecret.existingSecret "key" $signIn.oidc.clientSecret.key) -}}
{{- else if eq $mode "local" -}}
{{- $_ := set $files "PORTAL_SIGNING_KEY_FILE" (dict "secretName" $signIn.local.signingKey.existingSecret "key" $signIn.local.signingKey.key) -}}
{{- end -}}
{{- end -}}
{{- toJson $files -}}
{{- end -}}

{{/* The KafkaUser of a service: its SASL user name and the name of its Secret. */}}
{{- define "backbone.kafkaUser" -}}
{{- default .name .svc.kafkaUser -}}
{{- end -}}
