import { AppError } from '../../libs/common';

/**
 * Wraps an error raised while handling a page form so the filter renders the form again,
 * with the values the user typed, the message in a summary at the top and next to each field.
 */
export class FormError extends Error {
  constructor(
    readonly cause: unknown,
    readonly view: string,
    readonly model: Record<string, unknown>,
  ) {
    super('form error');
  }
}

/** Runs a page action; on an AppError, re-renders `view` with `model` and the errors. */
export async function withForm<T>(
  view: string,
  model: Record<string, unknown>,
  action: () => Promise<T>,
  fieldNames: Record<string, string> = {},
): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof AppError) {
      // service field paths (e.g. organization.municipalityCode) → the page's field names
      for (const [from, to] of Object.entries(fieldNames)) {
        if (err.fieldErrors[from]) {
          err.fieldErrors[to] = err.fieldErrors[from];
          delete err.fieldErrors[from];
        }
      }
      throw new FormError(err, view, model);
    }
    if ((err as { status?: number })?.status === 400) throw new FormError(err, view, model);
    throw err;
  }
}
