# syntax=docker/dockerfile:1
# Both apps from one build. Pick one with a target:
#   docker build --target ongoing-training -t ongoing-training .
#   docker build --target notifier -t notifier .
# docker-compose.yml builds both. Configuration is only the environment (shared/spec/ongoing-training.md).

ARG NODE_IMAGE=node:20.19.4-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.apps.json tsconfig.build.base.json nest-cli.json ./
COPY libs ./libs
COPY apps ./apps
# The build compiles the libs the apps use and both apps (dist/libs, dist/apps/<app>) and copies the
# notifier's email templates beside its code; the tools (libs/testing, the demo) are not built.
RUN npm run build:apps && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/libs ./dist/libs
USER node
# Ready only when Kafka and MongoDB are reachable. The slim image has no curl: Node's fetch it is.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HTTP_PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

FROM runtime AS ongoing-training
COPY --from=build /app/dist/apps/ongoing-training ./dist/apps/ongoing-training
ENV HTTP_PORT=3000
# GET /metrics on its own management port, not on the API's.
ENV METRICS_PORT=9464
EXPOSE 3000 9464
CMD ["node", "--max-old-space-size=160", "dist/apps/ongoing-training/main.js"]

FROM runtime AS notifier
COPY --from=build /app/dist/apps/notifier ./dist/apps/notifier
ENV HTTP_PORT=3001
ENV METRICS_PORT=9465
EXPOSE 3001 9465
CMD ["node", "--max-old-space-size=160", "dist/apps/notifier/main.js"]
