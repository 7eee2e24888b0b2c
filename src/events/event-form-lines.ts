import type { CategoryView } from './event-seats';
import type { RegistrationQuestion } from './entities/event.entity';

/**
 * The event form's ticket categories and registration questions, one per line:
 *   categories: `key, label, capacity[, online]`           e.g. `venue, 会場参加, 30`
 *   questions:  `key | label | text|single|multiple | option/option | required`
 */
export function parseCategoryLines(text: string | undefined) {
  return String(text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [key, label, capacity, online] = l.split(/\s*[,，]\s*/);
      return { key: key ?? '', label: label ?? '', capacity: Number(capacity), online: /^(online|オンライン)$/i.test(online ?? '') };
    });
}

export function parseQuestionLines(text: string | undefined) {
  return String(text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [key, label, type, options, required] = l.split(/\s*[|｜]\s*/);
      const opts = (options ?? '').split(/\s*[/／]\s*/).filter(Boolean);
      return {
        key: key ?? '',
        label: label ?? '',
        type: type || 'text',
        ...(opts.length ? { options: opts } : {}),
        required: /^(required|必須)$/i.test(required ?? ''),
      };
    });
}

export const categoryLines = (cats: CategoryView[]) =>
  cats.map((c) => `${c.key}, ${c.label}, ${c.capacity}${c.online ? ', online' : ''}`).join('\n');

export const questionLines = (qs: RegistrationQuestion[]) =>
  qs.map((q) => [q.key, q.label, q.type, (q.options ?? []).join('/'), q.required ? 'required' : ''].join(' | ')).join('\n');
