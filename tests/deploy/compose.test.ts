import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCommand } from './commands.js';
import { COMPOSE_FILE, healthcheckCommand, processOf, readCompose, serviceEnv, type ComposeService } from './compose-file.js';
import { MAIN_SOURCE, PORT_VARIABLE } from './config-schemas.js';
import { ROOT, readYaml } from './manifests.js';

const compose = readCompose();
const services = Object.entries(compose.services);
const appServices = services.flatMap(([name, service]) => {
  const process = processOf(service);
  return process ? [[name, process, service] as const] : [];
});
// What deploy/init-secrets.sh writes into compose.env: secrets long enough for the schemas.
const HOST_ENV = { AUTH_ADMIN_TOKEN: 'a'.repeat(64), REPORTS_CLIENT_SECRET: 'b'.repeat(64), AUTH_CLIENT_SECRET_KEY: 'c'.repeat(64) };

describe('docker-compose.yml', () => {
  const haveCompose = hasCommand('docker-compose');

  it.runIf(haveCompose || process.env.CI)('when Debian docker-compose validates it, then config -q passes', () => {
    if (!haveCompose) throw new Error('CI is set but docker-compose is not installed (.ci/run installs it)');
    // Throws with compose's own message on a non-zero exit.
    execFileSync('docker-compose', ['-f', COMPOSE_FILE, 'config', '-q'], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, ...HOST_ENV } });
  });

  it('when the stack starts, then it runs mongo, redis, mailpit, auth, gateway, notes and reports', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['auth', 'gateway', 'mailpit', 'mongo', 'notes', 'redis', 'reports']);
    expect(appServices.map(([name, process]) => [name, process])).toEqual(appServices.map(([name]) => [name, name]));
  });

  it.each(services)('%s has a health check', (_name, service) => {
    expect(service.healthcheck?.disable).not.toBe(true);
    expect(healthcheckCommand(service)).not.toBe('');
  });

  it.each(appServices)('%s checks a health path its process serves, on the port it listens on', (_name, process, service) => {
    // The gateway is checked on its ops port (GATEWAY_OPS_PORT), which also serves /readyz.
    const { name: portVar, port: defaultPort } = process === 'gateway' ? { name: 'GATEWAY_OPS_PORT', port: 8081 } : PORT_VARIABLE[process];
    const port = serviceEnv(service, HOST_ENV)[portVar] ?? String(defaultPort);
    expect(healthcheckCommand(service)).toMatch(new RegExp(`http://127\\.0\\.0\\.1:${port}/(healthz|readyz)['"]`));
  });

  it.each(appServices)('%s runs the compiled twin of a source entry point that exists', (_name, process) => {
    expect(existsSync(path.join(ROOT, MAIN_SOURCE[process])), MAIN_SOURCE[process]).toBe(true);
  });

  it('when the gateway runs, then only its public port is published; the ops port (metrics) and the decision port stay on the compose network', () => {
    const gateway = compose.services.gateway!;
    expect((gateway.ports ?? []).map(String)).toEqual(['${GATEWAY_PUBLISH:-127.0.0.1:8080}:8080']);
    expect(serviceEnv(gateway, HOST_ENV).GATEWAY_OPS_PORT).toBe('8081');
    expect(serviceEnv(gateway, HOST_ENV).GATEWAY_DECISION_PORT).toBe('8082');
    expect((gateway as { expose?: unknown[] }).expose?.map(String)).toEqual(['8081', '8082']);
  });

  it('when mongo and redis are checked, then they are pinged with their own clients', () => {
    expect(healthcheckCommand(compose.services.mongo!)).toMatch(/^CMD mongosh .*ping/);
    expect(healthcheckCommand(compose.services.redis!)).toMatch(/^CMD redis-cli ping$/);
  });

  it.each(services.filter(([, s]) => s.depends_on))('%s waits for its dependencies to be healthy', (_name, service) => {
    const dependsOn = service.depends_on as Record<string, { condition?: string }>;
    expect(Array.isArray(service.depends_on), 'use the long form with a condition').toBe(false);
    for (const [dependency, { condition }] of Object.entries(dependsOn)) {
      expect(condition, dependency).toBe('service_healthy');
      expect(compose.services[dependency]?.healthcheck, dependency).toBeDefined();
    }
  });

  it("when published, then only the gateway port and Mailpit's web inbox (on loopback) leave the compose network", () => {
    const published = services.filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
    expect(published.sort()).toEqual(['gateway', 'mailpit']);
    expect(String(compose.services.gateway!.ports![0])).toMatch(/:8080$/);
    expect((compose.services.mailpit!.ports ?? []).map(String)).toEqual(['${MAILPIT_PUBLISH:-127.0.0.1:8025}:8025']);
  });

  it('when auth sends mail, then it goes to the Mailpit service on its SMTP port, which stays on the compose network', () => {
    const mailpit = compose.services.mailpit as ComposeService & { image?: string; expose?: unknown[] };
    expect(mailpit.image).toBe('axllent/mailpit');
    expect(mailpit.expose?.map(String)).toEqual(['1025']);
    expect(healthcheckCommand(mailpit)).toBe('CMD /mailpit readyz');
    const env = serviceEnv(compose.services.auth!, HOST_ENV);
    expect(env.SMTP_URL).toBe('smtp://mailpit:1025');
    // Mail is queued while the SMTP server is away: auth must not wait for it to start.
    expect(Object.keys((compose.services.auth!.depends_on ?? {}) as object)).not.toContain('mailpit');
  });

  it('when MongoDB restarts, then its data is on a named volume', () => {
    const mount = (compose.services.mongo!.volumes ?? []).map(String).find((v) => v.endsWith(':/data/db'));
    const volume = mount?.split(':')[0];
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });

  it('when auth starts, then its signing key set comes from a file secret', () => {
    const auth = compose.services.auth as ComposeService;
    const [secret] = (auth.secrets ?? []).map((s) => (typeof s === 'string' ? s : s.source));
    expect(secret).toBeDefined();
    expect(compose.secrets?.[secret!]?.file).toMatch(/^\.\/deploy\/secrets\//);
    expect(serviceEnv(auth, HOST_ENV).AUTH_SIGNING_KEY_FILE).toBe(`/run/secrets/${secret}`);
  });

  it('when reports asks for a token, then the clients file mounted into auth defines its client', () => {
    const auth = compose.services.auth!;
    const clientsPath = serviceEnv(auth, HOST_ENV).AUTH_CLIENTS_FILE;
    const mount = (auth.volumes ?? []).map(String).find((v) => v.split(':')[1] === clientsPath);
    expect(mount, `a volume mounted at ${clientsPath}`).toBeDefined();
    const clients = readYaml<{ clients: { client_id: string; client_secret: string }[] }>(mount!.split(':')[0]!);
    const reportsId = serviceEnv(compose.services.reports!, HOST_ENV).REPORTS_CLIENT_ID;
    const client = clients.clients.find((c) => c.client_id === reportsId);
    expect(client).toBeDefined();
    // Secrets are env references, never literal values in a committed file.
    expect(client!.client_secret).toMatch(/^\$\{[A-Z_]+\}$/);
  });

  it('when tokens are issued and verified, then every process agrees on issuer and audience', () => {
    for (const variable of ['AUTH_ISSUER', 'AUTH_AUDIENCE']) {
      const values = new Set(appServices.map(([, , service]) => serviceEnv(service, HOST_ENV)[variable]));
      expect([...values], variable).toHaveLength(1);
    }
  });
});
