#!/usr/bin/env bash
# Validates every compose file in deploy/ with `docker-compose config` (no Docker engine needed) and the
# image build instructions for obvious mistakes. Fails loudly on the first problem.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "validate-compose: neither docker-compose nor 'docker compose' is installed" >&2
  echo "  Debian/Ubuntu: apt-get install -y docker-compose" >&2
  exit 1
fi

env_file=deploy/.env.example
failed=0
for file in deploy/compose.yaml deploy/compose.opensearch.yaml; do
  for profile in "" dashboards; do
    args=(-f "$file" --env-file "$env_file")
    [[ -n "$profile" ]] && args+=(--profile "$profile")
    label="$file${profile:+ (profile $profile)}"
    if out=$("${compose[@]}" "${args[@]}" config 2>&1); then
      # Every service that will run must declare a healthcheck and a memory limit.
      services=$("${compose[@]}" "${args[@]}" config --services 2>/dev/null)
      for service in $services; do
        block=$(printf '%s\n' "$out" | awk -v s="  $service:" '$0==s{f=1;next} f&&/^  [^ ]/{exit} f')
        grep -q 'healthcheck:' <<<"$block" || { echo "FAIL $label: service $service has no healthcheck" >&2; failed=1; }
        grep -qE 'mem_limit:|memory:' <<<"$block" || { echo "FAIL $label: service $service has no memory limit" >&2; failed=1; }
      done
      echo "ok   $label ($(echo $services | tr '\n' ' '))"
    else
      echo "FAIL $label" >&2
      printf '%s\n' "$out" >&2
      failed=1
    fi
  done
done

# Every setting the server reads (apps/server/src/env.ts, the only place it reads the environment) is
# documented in .env.example, so an operator never has to read the source to find one.
settings=$(grep -oE '^  [A-Z][A-Z0-9_]+:' apps/server/src/env.ts | tr -d ' :')
[[ -n "$settings" ]] || { echo "FAIL no settings found in apps/server/src/env.ts (format changed?)" >&2; failed=1; }
undocumented=0
for name in $settings; do
  grep -qE "(^|[# ])${name}([= ]|$)" "$env_file" || {
    echo "FAIL $env_file does not document $name (read in apps/server/src/env.ts)" >&2
    failed=1
    undocumented=1
  }
done
[[ $undocumented -eq 1 ]] || echo "ok   $env_file documents all $(echo $settings | wc -w) settings of apps/server/src/env.ts"

# Required settings must fail loudly when missing, not start with an empty secret.
for file in deploy/compose.yaml deploy/compose.opensearch.yaml; do
  if "${compose[@]}" -f "$file" --env-file /dev/null config >/dev/null 2>&1; then
    echo "FAIL $file renders without TRAILMARK_ADMIN_TOKEN (and, for OpenSearch, its passwords)" >&2
    failed=1
  else
    echo "ok   $file refuses to render without its required secrets"
  fi
done

# Every service that another one waits for must be waited for on health, not on start.
for file in deploy/compose.opensearch.yaml; do
  rendered=$("${compose[@]}" -f "$file" --env-file "$env_file" --profile dashboards config)
  if grep -qE 'condition: service_(started|completed_successfully)' <<<"$rendered"; then
    echo "FAIL $file: a depends_on waits for start, not for health" >&2
    failed=1
  fi
done

for keyword in 'FROM node:${NODE_VERSION}-bookworm-slim AS runtime' 'USER node' 'HEALTHCHECK' 'EXPOSE 8080' 'VOLUME /data'; do
  grep -qF "$keyword" deploy/Dockerfile || { echo "FAIL deploy/Dockerfile lacks: $keyword" >&2; failed=1; }
done

if [[ $failed -ne 0 ]]; then
  echo "validate-compose: FAILED" >&2
  exit 1
fi
echo "validate-compose: all compose files valid"
