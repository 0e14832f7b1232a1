# The ChatGepeto web app (Next.js standalone server). Build from the repository root:
#   docker build -f docker/frontend.Dockerfile -t chatgepeto-frontend .
# BACKEND_URL is compiled into the build's /api rewrites; behind the ALB, /api/* never reaches
# this container, so the default only matters when it runs without a load balancer.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
ARG BACKEND_URL=http://backend:8000
COPY frontend/package.json frontend/package-lock.json ./
RUN npm install --no-audit --no-fund
COPY frontend/ ./
RUN BACKEND_URL="$BACKEND_URL" npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 HOSTNAME=0.0.0.0
# The standalone server with its static files beside it (scripts/standalone-assets.mjs).
COPY --from=build --chown=node:node /app/.next/standalone ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "server.js"]
