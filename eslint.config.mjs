import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'helm/**', '.nx/**', '**/*.d.ts', '.portcullis/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      // Project boundaries (Nx tags in each project.json):
      //  - type:app may import only libs: services never import each other;
      //  - type:host (the embedded composition root) may import apps and libs;
      //  - type:lib may import only libs.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:host', onlyDependOnLibsWithTags: ['type:app', 'type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:shared', notDependOnLibsWithTags: ['scope:testing'] },
          ],
        },
      ],
      // Input validation deliberately matches control characters (to reject them).
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through @portcullis/config (loadConfig), not process.env.',
        },
      ],
    },
  },
  {
    // The embedded host is the one composition root: it alone may import the service apps.
    files: ['apps/portcullis/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['@portcullis/gateway', '@portcullis/auth', '@portcullis/discovery', '@portcullis/governance', '@portcullis/audit', '@portcullis/okta-mcp', '@portcullis/okta-sim'],
          depConstraints: [{ sourceTag: 'type:host', onlyDependOnLibsWithTags: ['type:app', 'type:lib'] }],
        },
      ],
    },
  },
  {
    // Only the config library reads the environment.
    files: ['libs/config/src/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Tests and their shared helpers may use the testing library; production code may not.
    files: ['**/*.test.ts', '**/*.contract.ts', '**/testing/**/*.ts', 'test/**/*.ts', 'libs/testing/**/*.ts'],
    rules: {
      'no-restricted-syntax': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['@portcullis/gateway', '@portcullis/okta-mcp', '@portcullis/okta-sim'],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-restricted-syntax': 'off' },
  },
  prettier,
);
