import { useState } from 'preact/hooks';

interface Props {
  id: string;
  /** What is deleted, as the person must type it. */
  name: string;
  what: string;
  busy: boolean;
  onConfirm: (typed: string) => void;
}

/** A deletion that goes ahead only once its name is typed again, as the API asks (confirmName). */
export function ConfirmByName({ id, name, what, busy, onConfirm }: Props) {
  const [typed, setTyped] = useState('');
  return (
    <form
      class="confirm-delete"
      aria-label={`Delete ${name}`}
      onSubmit={(event) => {
        event.preventDefault();
        onConfirm(typed);
      }}
    >
      <label for={id}>
        Type <strong>{name}</strong> to delete {what}
      </label>
      <div class="actions">
        <input id={id} type="text" autoComplete="off" value={typed} onInput={(event) => setTyped(event.currentTarget.value)} />
        <button type="submit" class="button button--danger" disabled={busy || typed.trim() !== name}>
          Delete {name}
        </button>
      </div>
    </form>
  );
}
