import { builder } from './builder.ts';
import { globalId } from './ids.ts';

/** What a deletion removed: the id it had, for clients to drop it, and its name, to say so. */
export const DeletionRef = builder.objectRef<{ typename: string; id: string; name: string }>('Deletion').implement({
  fields: (t) => ({
    id: t.id({ description: 'The id the deleted organisation or instance had.', resolve: (deleted) => globalId(deleted.typename, deleted.id) }),
    name: t.exposeString('name'),
  }),
});
