/**
 * The import graph runs one way (npm run deps; CI runs it):
 *
 *   cli/  ->  features: ingest/ generator/ geo/ functions/ pipeline/ check/  ->  warehouse/  ->  core/
 *
 * warehouse/ is a Dataform-on-DuckDB engine that knows nothing about access logs; core/ is the
 * ground (errors). bench/, scripts/ and tests/ sit on top and may import anything; nothing in
 * the product imports them. No cycles, except through type-only imports.
 */
const FEATURES = '^(ingest|generator|geo|functions|pipeline|check)/';
const TOOLS = '^(bench|scripts|tests)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-ground',
      comment: 'core/ imports nothing of ours (only Node and packages).',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(bin|cli|warehouse|ingest|generator|geo|functions|pipeline|check|bench|scripts|tests)/' },
    },
    {
      name: 'warehouse-knows-no-feature',
      comment: 'warehouse/ (the engine) imports only core/: no access-log feature, no CLI.',
      severity: 'error',
      from: { path: '^warehouse/' },
      to: { path: '^(bin|cli|ingest|generator|geo|functions|pipeline|check|bench|scripts|tests)/' },
    },
    {
      name: 'features-below-cli',
      comment: 'Features never import the CLI: libraries describe problems, the CLI maps them to flags.',
      severity: 'error',
      from: { path: FEATURES },
      to: { path: '^(bin|cli)/' },
    },
    {
      name: 'product-not-on-tools',
      comment: 'The product (cli, features, warehouse, core) never imports benchmarks, scripts or tests.',
      severity: 'error',
      from: { path: '^(bin|cli|core|warehouse|ingest|generator|geo|functions|pipeline|check)/' },
      to: { path: TOOLS },
    },
    {
      name: 'no-cycles',
      comment: 'No import cycles between files, except through type-only imports.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every relative import resolves to a file.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^\\.' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|definitions|includes|tests/fixtures)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
