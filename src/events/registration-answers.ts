type Form = Record<string, string | string[]> | undefined;

/** `answers.<key>` form fields → `{ key: value }` (a repeated checkbox gives a list). */
export function answersOf(body: Form): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    if (!k.startsWith('answers.')) continue;
    const key = k.slice('answers.'.length);
    if (/^[a-z][a-zA-Z0-9_]{0,31}$/.test(key)) out[key] = v;
  }
  const nested = body?.answers as unknown;
  if (nested && typeof nested === 'object' && !Array.isArray(nested)) Object.assign(out, nested);
  return out;
}
