/** Failures a client can act on; the schema turns each into a typed result. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(
    readonly entity: string,
    id: string,
  ) {
    super(`${entity} ${id} was not found`);
  }
}

export class InvalidInputError extends DomainError {
  constructor(
    message: string,
    readonly field: string,
    readonly values: string[] = [],
  ) {
    super(message);
  }
}
