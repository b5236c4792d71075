# syntax=docker/dockerfile:1
#
# One image for every role of a distributed impala-rl run. The role is the first argument, a subcommand of
# the `impala-rl` CLI (dist/cli.js, the ENTRYPOINT):
#
#   docker build -t impala-rl .
#   docker run -v impala-runs:/runs impala-rl learner --listen 0.0.0.0:50051 --env CartPole-v1 --run-dir /runs/cartpole ...
#   docker run impala-rl actor --connect learner.example:50051 --env CartPole-v1 ...
#   docker run impala-rl health --connect learner.example:50051
#
# docker-compose.yml, deploy/k8s/ and docs/distributed.md ("Deploying") use it;
# test/deploy/manifests.test.ts checks that they agree with this file.
#
# Build arguments:
#   NODE_VERSION    Node.js major version of the base images. 20 is what the project's CI runs. Keep it below
#                   23: @tensorflow/tfjs-node 4.22 calls util.isNullOrUndefined, which Node 23 removed.
#   TFJS_VERSION    version of the TensorFlow.js packages (the package's peer dependencies: ^4.22.0).
#   WITH_TFJS_NODE  "true" (default) installs @tensorflow/tfjs-node, the libtensorflow backend (`--backend
#                   tensorflow`, which `--backend auto` picks first). Its install script downloads libtensorflow
#                   and a prebuilt addon from storage.googleapis.com; that addon is an x86-64 build, so for other
#                   platforms (e.g. linux/arm64) build with WITH_TFJS_NODE=false, and the image trains with the
#                   wasm backend instead.

ARG NODE_VERSION=20

# Debian (glibc) images throughout: libtensorflow is not built for musl, so Alpine cannot run tfjs-node.

# ---------------------------------------------------------------------------------------------------------------
# Stage 1, "build": compile the TypeScript sources to dist/ with the dev dependencies (tsup).
# ---------------------------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
# The lockfile alone first, so that this layer stays cached while only sources change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---------------------------------------------------------------------------------------------------------------
# Stage 2, "deps": the production dependencies (pinned by package-lock.json) and the TensorFlow.js peers.
# ---------------------------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
ARG TFJS_VERSION=4.22.0
ARG WITH_TFJS_NODE=true
# python3, make and g++ are node-gyp's toolchain: tfjs-node's install compiles its addon with them when no
# prebuilt one can be downloaded. This stage is thrown away, so they never reach the runtime image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
# The tfjs packages are optional peer dependencies (and dev dependencies, for the tests), so neither
# `npm ci --omit=dev` nor a plain `npm install --no-save` installs them. Dropping devDependencies from this
# stage's copy of package.json and installing with --save-peer (--no-save: package.json and the lockfile stay
# as they are) adds them next to the pinned production dependencies. tfjs-layers registers the gradients the
# learner needs; wasm and cpu are the fallbacks `--backend auto` uses when tfjs-node is absent.
RUN npm pkg delete devDependencies \
 && npm install --omit=dev --no-save --save-peer --no-audit --no-fund \
      "@tensorflow/tfjs-core@${TFJS_VERSION}" \
      "@tensorflow/tfjs-layers@${TFJS_VERSION}" \
      "@tensorflow/tfjs-backend-cpu@${TFJS_VERSION}" \
      "@tensorflow/tfjs-backend-wasm@${TFJS_VERSION}" \
      $(if [ "$WITH_TFJS_NODE" = "true" ]; then echo "@tensorflow/tfjs-node@${TFJS_VERSION}"; fi) \
 && npm cache clean --force

# ---------------------------------------------------------------------------------------------------------------
# Stage 3, "runtime": what the final image holds. No compiler, no dev dependencies, no sources.
# ---------------------------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# TF_CPP_MIN_LOG_LEVEL=2: libtensorflow's informational log lines off (warnings and errors stay).
ENV NODE_ENV=production \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /app
# package.json: its "type": "module" makes Node load dist/*.js as ES modules.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The Gymnasium bridge (`--env gym:...`, `ALE/...`), found by walking up from dist/. The image has no Python:
# these envs need an image derived from this one with `python3 -m pip install gymnasium ale-py numpy`.
COPY --from=build /src/python ./python
# `impala-rl` on the PATH (dist/cli.js starts with `#!/usr/bin/env node` and is executable): the
# healthchecks call `impala-rl health ...`.
# /runs is created owned by the runtime user, so that a named volume mounted there starts out writable
# (Docker copies the ownership of the image's directory into a new, empty volume).
RUN ln -s /app/dist/cli.js /usr/local/bin/impala-rl \
 && mkdir -p /runs \
 && chown 1000:1000 /runs
# Non-root: uid/gid 1000 is the `node` user of the official image. Numeric, so that Kubernetes'
# `runAsNonRoot` can verify it without a name lookup. /app stays owned by root, read-only for this user.
USER 1000:1000
# Run directories (checkpoints, metrics): mount persistent storage here.
VOLUME ["/runs"]
# The working directory is the volume, so relative paths (and `train`'s default run directory, runs/<env>-<time>)
# land on it too.
WORKDIR /runs
# The learner's gRPC port (`--listen`, and the standard gRPC health service on the same port).
EXPOSE 50051
# Node runs as PID 1 and receives SIGTERM itself: the CLI stops after the current update and writes a final
# checkpoint (docs/cli.md, "Ctrl-C and resuming"), so give containers a stop timeout longer than one update.
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
