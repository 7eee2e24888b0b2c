import { ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AppError, i18n } from '../../libs/common';

/** Flattens class-validator errors to { "field.path": [constraint key or message] }. */
export function fieldErrorsOf(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      out[path] = Object.entries(e.constraints).map(([name, msg]) => (i18n().exists(`validation.${name}`, { lng: 'ja' }) ? name : msg));
    }
    if (e.children?.length) Object.assign(out, fieldErrorsOf(e.children, path));
  }
  return out;
}

export const validationFailed = (errors: ValidationError[]) => new AppError(400, 'validation.failed', {}, fieldErrorsOf(errors));

/** whitelist + forbidNonWhitelisted + transform, as everywhere in Kyoso. */
export const kyosoValidationPipe = () =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: validationFailed,
  });

/** Validates a page form body against a DTO (the same rules as the API). */
export async function validateForm<T extends object>(cls: new () => T, body: unknown): Promise<T> {
  const plain = body && typeof body === 'object' ? { ...(body as object) } : {};
  delete (plain as Record<string, unknown>)._csrf;
  const dto = plainToInstance(cls, plain);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: false });
  if (errors.length) throw validationFailed(errors);
  return dto;
}
