/* global module -- a CommonJS config file, read by dependency-cruiser */
/**
 * Module boundaries, checked by `npm run lint:deps` (part of `npm run lint`, which CI runs) and by
 * test/architecture/boundaries.test.ts.
 *
 * The shape (README "Where things are"): data flows transport → message store → parse → map →
 * validate → core → back-office, and the API and CLI sit on top as thin shells. Each capability is
 * one module that exposes its service from its index.ts; another module asks it through that file.
 *
 * Violations that sit in files this rule's author could not change are listed, one by one, in
 * .dependency-cruiser-known-violations.json (depcruise --ignore-known): a new violation of the same
 * rule still fails. Remove a line there when its import is fixed.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Two modules (or files) that import each other: one of them has to give way, or the piece both ' +
        'need goes to one side or to a third module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'back-office-through-index',
      severity: 'error',
      comment:
        'A back-office module asks another only through its index.ts (its service), never through a ' +
        'file inside it: back-office/<other>/index.ts, not back-office/<other>/views.ts.',
      from: { path: '^back-office/([^/]+)/' },
      to: {
        path: '^back-office/[^/]+/',
        pathNot: ['^back-office/$1/', '^back-office/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'shells-through-index',
      severity: 'error',
      comment:
        'The API routes, CLI commands and the rest of src/ reach a back-office module only through its ' +
        'index.ts: they parse, authorise, call the service and render.',
      from: { path: '^(src|bin|bench|adapters)/' },
      to: { path: '^back-office/[^/]+/', pathNot: '^back-office/[^/]+/index\\.ts$' },
    },
    {
      name: 'exchange-below-back-office',
      severity: 'error',
      comment:
        'The exchange feeds the core; the back office reads the core. src/exchange never imports the ' +
        'back office, the API or the CLI.',
      from: { path: '^src/exchange/' },
      to: { path: '^(back-office|src/api|src/cli)/' },
    },
    {
      name: 'policy-records-through-index',
      severity: 'error',
      comment:
        'src/policy-records is the one writer of persons, applications, policies, policy versions, ' +
        'amendments, payment calendars and premium payments. The exchange, the back office and the ' +
        'demo ask it through its index.ts (its service), never through a file inside it; ' +
        'test/architecture/table-owners.test.ts checks that nothing else writes those tables.',
      from: { pathNot: '^src/policy-records/' },
      to: { path: '^src/policy-records/', pathNot: '^src/policy-records/index\\.ts$' },
    },
    {
      name: 'policy-records-is-core',
      severity: 'error',
      comment:
        'src/policy-records sits in the core layer, under the exchange and the back office that both ' +
        'write through it: it imports only src/db.',
      from: { path: '^src/policy-records/' },
      to: { path: '^(back-office|adapters|src/(?!db/|policy-records/))' },
    },
    {
      name: 'db-is-the-bottom',
      severity: 'error',
      comment: 'src/db is the bottom layer: it imports only the configuration and the log, nothing above.',
      from: { path: '^src/db/' },
      to: { path: '^(back-office|adapters|src/(?!db/|config/|log/))' },
    },
    {
      name: 'back-office-below-shells',
      severity: 'error',
      comment: 'The back office does not know the API or the CLI that call it.',
      from: { path: '^back-office/' },
      to: { path: '^src/(api|cli)/' },
    },
    {
      name: 'src-not-to-adapters',
      severity: 'error',
      comment:
        'Adding an insurer never edits src/: the runtime finds adapters/<insurer>/ by configuration, ' +
        'it never imports one.',
      from: { path: '^(src|back-office)/' },
      to: { path: '^adapters/' },
    },
    {
      name: 'product-not-to-test',
      severity: 'error',
      comment: 'Product code never imports from test/ (DESIGN.md: the sandbox insurer is product code).',
      from: { path: '^(src|back-office|adapters|bin)/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|data|coverage)/' },
    // Type-only imports count: a cycle of types is still two modules that know each other.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
