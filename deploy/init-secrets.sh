#!/bin/sh
# Creates the secrets the compose stack needs, once, in deploy/secrets/ (git-ignored):
#   signing-keys.json  the auth service's RSA key set (mounted as the compose secret auth_signing_keys)
#   compose.env        AUTH_ADMIN_TOKEN and REPORTS_CLIENT_SECRET (docker compose --env-file ...)
# Existing files are kept: a new key set would invalidate every token in circulation.
set -eu
cd "$(dirname "$0")/.."
secrets=deploy/secrets
mkdir -p "$secrets"

random_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

if [ ! -s "$secrets/compose.env" ]; then
  (
    umask 077
    printf 'AUTH_ADMIN_TOKEN=%s\nREPORTS_CLIENT_SECRET=%s\n' "$(random_hex)" "$(random_hex)" > "$secrets/compose.env"
  )
  echo "wrote $secrets/compose.env"
fi

if [ ! -s "$secrets/signing-keys.json" ]; then
  docker build -t authgate:local .
  # The auth service's own key store writes the file it will later load, so the format always
  # matches; it runs in the image (as uid 1000) and the file comes back on stdout.
  docker run --rm --entrypoint node authgate:local --input-type=module -e "
    const { JoseKeyStore } = await import('/app/dist/services/auth/adapters/keys/jose-key-store.js');
    const { readFile } = await import('node:fs/promises');
    await JoseKeyStore.open({ file: '/tmp/signing-keys.json' });
    process.stdout.write(await readFile('/tmp/signing-keys.json', 'utf8'));
  " > "$secrets/signing-keys.json.tmp"
  mv "$secrets/signing-keys.json.tmp" "$secrets/signing-keys.json"
  # Compose bind-mounts file secrets with their host owner and mode (uid/gid/mode are ignored
  # outside Swarm), and the container reads as uid 1000.
  if [ "$(id -u)" = 1000 ]; then chmod 0600 "$secrets/signing-keys.json"; else chmod 0644 "$secrets/signing-keys.json"; fi
  echo "wrote $secrets/signing-keys.json"
fi
