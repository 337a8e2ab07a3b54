#!/bin/sh
# Creates the secrets the compose stack needs, once, in deploy/secrets/ (git-ignored):
#   signing-keys.json  the auth service's RSA key set (mounted as the compose secret auth_signing_keys)
#   compose.env        AUTH_ADMIN_TOKEN, REPORTS_CLIENT_SECRET, AUTH_CLIENT_SECRET_KEY and AUTH_MFA_ENCRYPTION_KEY
#                      (docker compose --env-file ...)
# Existing files are kept: a new key set would invalidate every token in circulation.
# Rotate the key set later with `npm run keys -- rotate --file deploy/secrets/signing-keys.json`,
# then `docker compose restart auth` (a file secret is a bind mount of the old inode).
set -eu
cd "$(dirname "$0")/.."
secrets=deploy/secrets
mkdir -p "$secrets"

random_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
# 32 random bytes as base64url: the form AUTH_MFA_ENCRYPTION_KEY takes (docs/second-factors.md).
random_key() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

if [ ! -s "$secrets/compose.env" ]; then
  (
    umask 077
    printf 'AUTH_ADMIN_TOKEN=%s\nREPORTS_CLIENT_SECRET=%s\nAUTH_CLIENT_SECRET_KEY=%s\n' "$(random_hex)" "$(random_hex)" "$(random_hex)" > "$secrets/compose.env"
  )
  echo "wrote $secrets/compose.env"
fi
# A compose.env from before second factors existed gets the TOTP secrets' key added, nothing else changed.
if ! grep -q '^AUTH_MFA_ENCRYPTION_KEY=' "$secrets/compose.env"; then
  (umask 077; printf 'AUTH_MFA_ENCRYPTION_KEY=%s\n' "$(random_key)" >> "$secrets/compose.env")
  echo "added AUTH_MFA_ENCRYPTION_KEY to $secrets/compose.env"
fi

if [ ! -s "$secrets/signing-keys.json" ]; then
  # The keys CLI runs the auth service's own key-set code, so the format always matches what
  # auth loads. With node and the dependencies on the host it runs here; otherwise in the image
  # (as uid 1000, writing inside the container), and the file comes back on stdout.
  if command -v node >/dev/null 2>&1 && [ -d node_modules/tsx ]; then
    npm run --silent keys -- init --file "$secrets/signing-keys.json" >&2
  else
    docker build -t authgate:local .
    docker run --rm --entrypoint sh authgate:local -c \
      'node dist/scripts/keys.js init --file /tmp/signing-keys.json >&2 && cat /tmp/signing-keys.json' \
      > "$secrets/signing-keys.json.tmp"
    mv "$secrets/signing-keys.json.tmp" "$secrets/signing-keys.json"
  fi
  # Compose bind-mounts file secrets with their host owner and mode (uid/gid/mode are ignored
  # outside Swarm), and the container reads as uid 1000.
  if [ "$(id -u)" = 1000 ]; then chmod 0600 "$secrets/signing-keys.json"; else chmod 0644 "$secrets/signing-keys.json"; fi
  echo "wrote $secrets/signing-keys.json"
fi
