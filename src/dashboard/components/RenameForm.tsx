import { useState } from 'preact/hooks';

/** A name field and a Rename button, for an organisation or an instance. */
export function RenameForm({ id, current, busy, onRename }: { id: string; current: string; busy: boolean; onRename: (name: string) => void }) {
  const [name, setName] = useState(current);
  return (
    <form
      class="inline-form"
      aria-label={`Rename ${current}`}
      onSubmit={(event) => {
        event.preventDefault();
        onRename(name);
      }}
    >
      <label for={id}>Name</label>
      <div class="actions">
        <input id={id} type="text" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
        <button type="submit" class="button button--quiet" disabled={busy || name.trim() === current}>
          Rename
        </button>
      </div>
    </form>
  );
}
