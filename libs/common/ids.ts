/** The distinct non-empty ids of a list (for `= ANY($1::uuid[])` look-ups), in first-seen order. */
export const uniqueIds = (list: Iterable<string | null | undefined>): string[] => [...new Set([...list].filter((x): x is string => !!x))];
