import type { CodegenConfig } from '@graphql-codegen/cli';

// The typed client (@worker-health/client): client/generated is written from the committed
// schema.graphql and the operations in client/operations. `npm test` fails when it is stale.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['client/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', ID: 'string' },
        strictScalars: true,
        // Relative imports with `.js` (`./graphql.js`), as ESM under `moduleResolution: nodenext`
        // requires and bundlers accept; the package is compiled to dist/ from these files.
        emitLegacyCommonJSImports: false,
      },
    },
  },
};

export default config;
