import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import { builder } from './builder.ts';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFound',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    entity: t.exposeString('entity', { description: 'The kind of thing that was looked for.' }),
  }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInput',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The argument that was refused.' }),
    values: t.exposeStringList('values', { description: 'The offending values, when the argument is a list.' }),
  }),
});
