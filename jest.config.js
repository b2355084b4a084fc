/** @type {import('jest').Config} */
const tsJest = (extra = {}) => [
  'ts-jest',
  { tsconfig: { module: 'commonjs', moduleResolution: 'node10', isolatedModules: true, ...extra } },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': tsJest(),
    // jose 6 ships only ES modules; jest runs CommonJS, so it is compiled like our own code.
    '^.+/node_modules/jose/.+\\.js$': tsJest({ allowJs: true }),
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  globalSetup: '<rootDir>/test/globalSetup.js',
  testTimeout: 60000,
};
