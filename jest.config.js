/** Tests live in test/, mirroring the source folders; integration suites talk to real services. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // fastify's inject() pulls cookie@2, which is ESM-only (see ../shared/ENVIRONMENT.md).
  transformIgnorePatterns: ['/node_modules/(?!(cookie)/)'],
  testTimeout: 60000,
  maxWorkers: 2,
};
