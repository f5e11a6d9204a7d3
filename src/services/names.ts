import { InvalidInputError } from '../errors.ts';

/** Trims a display name and refuses empty or overlong ones. */
export function validName(value: string, field = 'name'): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new InvalidInputError(`${field} must not be empty`, field);
  if (trimmed.length > 200) throw new InvalidInputError(`${field} must be at most 200 characters`, field);
  return trimmed;
}
