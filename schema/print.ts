import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from './index.ts';

const schemaFile = new URL('./schema.graphql', import.meta.url);

writeFileSync(schemaFile, `${printSchema(schema)}\n`);
console.log(`Wrote ${schemaFile.pathname}`);
