# syntax=docker/dockerfile:1
# The ChatGepeto web app (Next.js standalone server). Build from the repository root:
#   docker build -f docker/frontend.Dockerfile --build-arg BACKEND_URL=http://api:8000 \
#       -t chatgepeto-frontend .
# BACKEND_URL is compiled into the build's /api rewrites; behind the ALB (or the compose edge
# proxy), /api/* never reaches this container, so it only matters when it runs without one.

# ---- build ---------------------------------------------------------------------------------------
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
ARG BACKEND_URL=http://api:8000
COPY frontend/package.json frontend/package-lock.json ./
# `npm install` keeps to package-lock.json; `npm ci` would refuse it, because the lock lacks
# other platforms' optional binaries (darwin/win32 @swc/core…) that our registry lacks.
RUN npm install --no-audit --no-fund
COPY frontend/ ./
RUN BACKEND_URL="$BACKEND_URL" npm run build

# ---- runtime: the standalone server only, as the unprivileged `node` user ------------------------
FROM node:20.20.2-bookworm-slim

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="chatgepeto-frontend" \
      org.opencontainers.image.description="ChatGepeto web app: chat with streamed, cited answers over course material" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/node:20.20.2-bookworm-slim"

WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 HOSTNAME=0.0.0.0
# The standalone server with its static files beside it (scripts/standalone-assets.mjs).
# 1000:1000 is the image's `node` user, numeric so the runtime can tell it is not root.
COPY --from=build --chown=1000:1000 /app/.next/standalone ./
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "server.js"]
