# syntax=docker/dockerfile:1
# One image for every process; the command picks which one runs:
#   node dist/services/auth/main.js | dist/gateway/main.js | dist/services/notes/main.js | dist/services/reports/main.js

# ---- build: full dependencies, compile TypeScript to dist/ (npm run build also copies the demo page) ----
# Node 24: the Active LTS (Node 20 reached end of life in April 2026). CI runs the suite on 20 and 24.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY lib ./lib
COPY services ./services
COPY gateway ./gateway
# Operator tooling compiled with the services, e.g. `node dist/scripts/keys.js` (signing key sets).
COPY scripts ./scripts
RUN npm run build

# ---- runtime: compiled JS and production dependencies only ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs here (not copied from build) so native optional packages (argon2) match this image.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at run time, relative to the working directory (GATEWAY_ROUTES default).
COPY gateway/routes.yaml ./gateway/routes.yaml
# AUTH_DATA_DIR for containers (compose and k8s set it): owned by the runtime user, so a fresh
# named volume mounted here inherits that owner. With MongoDB it stays empty.
RUN mkdir -p /var/lib/authgate && chown 1000:1000 /var/lib/authgate
# Numeric uid (the image's `node` user) so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 1000:1000
EXPOSE 8080 4000 4001 4002
CMD ["node", "dist/gateway/main.js"]
