import eslint from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The module layers, lowest first. A folder may import its own layer's code and anything below
 * it, never a layer above or beside it (auth and vault are siblings, and so are waiting, executor,
 * schedules and lifecycle).
 * ARCHITECTURE.md explains the order.
 */
const LAYERS = [
  ['config', ['config']],
  ['common', ['common', 'metrics']],
  ['database', ['database']],
  ['auth', ['auth']],
  ['vault', ['vault']],
  ['tasks', ['tasks']],
  ['waiting', ['waiting']],
  ['executor', ['executor']],
  ['schedules', ['schedules']],
  ['lifecycle', ['lifecycle']],
  ['app', ['health', 'cli']],
];
const BELOW = {
  config: [],
  common: ['config'],
  database: ['config', 'common'],
  auth: ['config', 'common', 'database'],
  vault: ['config', 'common', 'database'],
  tasks: ['config', 'common', 'database', 'auth', 'vault'],
  waiting: ['config', 'common', 'database', 'auth', 'vault', 'tasks'],
  executor: ['config', 'common', 'database', 'auth', 'vault', 'tasks'],
  schedules: ['config', 'common', 'database', 'auth', 'vault', 'tasks'],
  lifecycle: ['config', 'common', 'database', 'auth', 'vault', 'tasks'],
  app: ['config', 'common', 'database', 'auth', 'vault', 'tasks', 'waiting', 'executor', 'schedules', 'lifecycle'],
};

export const layerBoundaries = {
  files: ['src/**/*.ts'],
  plugins: { boundaries },
  settings: {
    'import/resolver': { typescript: { project: './tsconfig.json' } },
    // The boot files at the top of src/ (main.ts, cli.ts, app.module.ts …) belong to no layer:
    // they wire everything together.
    'boundaries/elements': LAYERS.flatMap(([type, folders]) =>
      folders.map((folder) => ({ type, pattern: `src/${folder}` })),
    ),
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        policies: [
          ...Object.entries(BELOW).map(([type, below]) => ({
            from: { element: { type } },
            allow: { to: { element: { types: { anyOf: [type, ...below] } } } },
          })),
          { allow: { to: { module: { origin: 'external' } } } },
          { allow: { to: { module: { origin: 'core' } } } },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', '*.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  layerBoundaries,
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
