# sigmawatch worker image. Build: docker build -t sigmawatch .
# Run:   docker run --rm -e KAFKA_BROKERS=kafka:9092 -p 9464:9464 sigmawatch run --set http.host=0.0.0.0
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
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/config ./config
USER node
EXPOSE 9464
# SIGTERM reaches node directly (exec form): the worker drains, commits and exits within shutdown.deadline.
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/cli/main.js"]
CMD ["run"]
