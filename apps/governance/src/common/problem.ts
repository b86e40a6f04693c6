/**
 * Typed domain errors of the admin API, mapped once to RFC 7807 problem details by
 * {@link ProblemDetailsFilter}. Each says what was wrong, with which input, and what to do.
 */
export interface FieldError {
  /** JSON path of the offending input, e.g. "toolIds[2]" or "query.limit". */
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(slug: string): string {
  return `urn:portcullis:problem:${slug}`;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  toBody(instance?: string): ProblemBody {
    return {
      type: problemType(this.slug),
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...(this.errors && this.errors.length ? { errors: this.errors } : {}),
      ...this.extensions,
    };
  }
}

export class ValidationProblem extends ProblemError {
  constructor(detail: string, errors: FieldError[]) {
    super(400, 'validation-failed', 'The request is not valid', detail, errors);
  }
}

export class NotFoundProblem extends ProblemError {
  constructor(resource: string, id: string) {
    super(
      404,
      'not-found',
      `${capitalize(resource)} not found`,
      `There is no ${resource} with id "${truncate(id)}".`,
    );
  }
}

export class ConflictProblem extends ProblemError {
  constructor(
    slug: string,
    title: string,
    detail: string,
    errors?: FieldError[],
    extensions?: Record<string, unknown>,
  ) {
    super(409, slug, title, detail, errors, extensions);
  }
}

export class PreconditionRequiredProblem extends ProblemError {
  constructor(resource: string) {
    super(
      428,
      'precondition-required',
      'If-Match header required',
      `Changing a ${resource} requires an If-Match header with the ETag from your last GET, so concurrent edits are not lost.`,
    );
  }
}

export class PreconditionFailedProblem extends ProblemError {
  constructor(resource: string, current: string) {
    super(
      412,
      'precondition-failed',
      'The resource changed since you read it',
      `The ${resource} was changed by someone else (its ETag is now ${current}). GET it again, re-apply your change and retry with the new ETag.`,
      undefined,
      { currentEtag: current },
    );
  }
}

export class DependencyProblem extends ProblemError {
  constructor(service: string, detail: string) {
    super(502, 'dependency-failed', `${capitalize(service)} could not complete the change`, detail);
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function truncate(s: string, n = 100): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}
