# sigmawatch worker image. Build: docker build -t sigmawatch .
# Run:   docker run --rm -e KAFKA_BROKERS=kafka:9092 -p 9464:9464 sigmawatch run
# Kubernetes manifests: deploy/ (see the README's Deploy section).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY config ./config
# npm ci runs `prepare` (tsc), so dist/ is built here.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# In a container, /metrics, /healthz and /readyz must be reachable from outside it (probes,
# scrapes, -p 9464:9464): bind every interface rather than the default 127.0.0.1.
ENV SIGMAWATCH_HTTP__HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/config ./config
# The image's `node` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000
EXPOSE 9464
# SIGTERM reaches node directly (exec form): the worker drains, commits and exits within shutdown.deadline.
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/cli/main.js"]
CMD ["run"]
