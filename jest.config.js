/** Tests live in test/, mirroring the source folders; integration suites talk to real services. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // fastify's inject() pulls cookie@2 and @fastify/static content-disposition@3, both ESM-only.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|content-disposition)/)'],
  testTimeout: 60000,
  maxWorkers: 2,
};
