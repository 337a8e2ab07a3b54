// The layering of the code base, checked by tests/deploy/layering.test.ts (and `npm run depcruise`).
// Paths are relative to the repository root; `to.path` of a package matches where it resolves
// (node_modules/<name>/..., node_modules/@types/<name>/... for a type-only import).
/** The packages a token verifier must not drag into a service that only verifies tokens. */
const HEAVY_PACKAGES = '^node_modules/(@types/)?(express|express-serve-static-core|passport|passport-strategy|ioredis|@opentelemetry/[^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles-in-lib',
      comment: 'lib/ is layered: a folder never reaches back to a folder that reaches it (imports go one way).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^lib/' },
      to: { path: '^lib/', circular: true },
    },
    {
      name: 'no-module-cycles',
      comment: 'No file reaches itself through its imports.',
      severity: 'error',
      from: { path: '^(lib|gateway|services|scripts)/' },
      to: { circular: true },
    },
    {
      name: 'lib-not-into-services',
      comment: 'lib/ is what the services and the gateway share; it never imports one of them.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(services|gateway)/' },
    },
    {
      name: 'verifier-core-self-contained',
      comment:
        'lib/verifier is what a third-party service imports (authgate/verifier): no express, passport, Redis or ' +
        'OpenTelemetry, none of lib/http, lib/express, lib/redis, lib/tracing. Adapters live there and import the verifier.',
      severity: 'error',
      from: { path: '^lib/verifier/' },
      to: { path: [HEAVY_PACKAGES, '^lib/(http|express|redis|tracing|metrics|revocation)/'] },
    },
    {
      name: 'platform-below-the-rest',
      comment:
        'The platform (errors, config, logger, redis, metrics) sits at the bottom: it never imports the verifier, ' +
        'http, express or the revocation feed. (lib/tracing plugs its port into lib/verifier/tracing.ts, so it may import that.)',
      severity: 'error',
      from: { path: '^lib/(errors|config|logger|batched-stdout)\\.ts$|^lib/(redis|metrics)/' },
      to: { path: '^lib/(verifier|http|express|revocation|tracing)/' },
    },
    {
      name: 'domain-not-into-http-or-adapters',
      comment: "A service's domain/ is the core its http/ and adapters/ plug into: it never imports them.",
      severity: 'error',
      from: { path: '^services/([^/]+)/domain/' },
      to: { path: '^services/$1/(http|adapters)/' },
    },
    {
      name: 'domain-without-frameworks',
      comment: "A service's domain/ speaks no web framework, database driver or Redis client: those are adapters.",
      severity: 'error',
      from: { path: '^services/[^/]+/domain/' },
      to: { path: '^node_modules/(@types/)?(express|express-serve-static-core|mongoose|mongodb|ioredis)/' },
    },
    {
      name: 'services-apart',
      comment: 'Services (and the gateway) never import each other; what they share is in lib/.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^(services/|gateway/)', pathNot: '^services/$1/' },
    },
    {
      name: 'gateway-not-into-services',
      comment: 'The gateway reaches the services over HTTP only.',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: '^services/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules may be a symlink (worktrees share one install): name packages by where they are linked.
    preserveSymlinks: true,
    // Type-only imports count: `import type { Request } from 'express'` still ties a file to express's types.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
