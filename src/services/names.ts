import { InvalidInputError } from '../errors.ts';

// Control characters (NUL included) and the invisible marks that reorder or hide text.
const FORBIDDEN = /[\p{Cc}\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;
const VISIBLE = /[^\p{Z}\p{Cf}\s]/u;

/** Trims a display name and refuses empty, overlong, invisible or text-reordering ones. */
export function validName(value: string, field = 'name'): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new InvalidInputError(`${field} must not be empty`, field);
  if (trimmed.length > 200) throw new InvalidInputError(`${field} must be at most 200 characters`, field);
  if (FORBIDDEN.test(trimmed)) throw new InvalidInputError(`${field} must not contain control, zero-width or bidirectional characters`, field);
  if (!VISIBLE.test(trimmed)) throw new InvalidInputError(`${field} must contain a visible character`, field);
  return trimmed;
}

