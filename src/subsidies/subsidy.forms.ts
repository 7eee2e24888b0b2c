/** The subsidy pages' form fields → the DTOs' shapes (validation then explains what is wrong). */
export type FormBody = Record<string, unknown>;

export const arr = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
/** "1,200,000" → 1200000; anything else stays a string so that validation explains it */
export const num = (v: unknown): unknown => {
  if (v === undefined || v === null || String(v).trim() === '') return undefined;
  const s = String(v).replace(/[,，\s円¥]/g, '');
  return /^\d{1,13}$/.test(s) ? Number(s) : String(v);
};
export const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const ROWS = 5;

/** The application form's budget rows → budgetItems, and the error-field names of each row. */
export function parseApplicationForm(body: FormBody) {
  const items = arr(body.budgetItem);
  const amounts = arr(body.budgetAmount);
  const fieldNames: Record<string, string> = {};
  const budgetItems: { item: unknown; amount: unknown }[] = [];
  for (let i = 0; i < Math.max(items.length, amounts.length); i++) {
    if (!(items[i] ?? '').trim() && !(amounts[i] ?? '').trim()) continue;
    fieldNames[`budgetItems.${budgetItems.length}.item`] = `budgetItem${i}`;
    fieldNames[`budgetItems.${budgetItems.length}.amount`] = `budgetAmount${i}`;
    budgetItems.push({ item: items[i] ?? '', amount: num(amounts[i]) });
  }
  return {
    dto: {
      title: str(body.title),
      summary: str(body.summary),
      requestedAmount: num(body.requestedAmount),
      budgetItems,
      municipalPartnerOrganizationId: str(body.municipalPartnerOrganizationId) || undefined,
      projectId: str(body.projectId) || undefined,
    },
    fieldNames,
  };
}

/** The budget rows to show again, as they were typed. */
export function typedRows(body: FormBody) {
  return formRows(arr(body?.budgetItem).map((item, i) => ({ item, amount: arr(body?.budgetAmount)[i] ?? '' })));
}

export function formRows(items: { item: unknown; amount: unknown }[]) {
  const n = Math.max(ROWS, items.length + 1);
  return Array.from({ length: n }, (_, i) => ({
    i,
    item: items[i]?.item ?? '',
    amount: items[i]?.amount ?? '',
    itemKey: `budgetItem${i}`,
    amountKey: `budgetAmount${i}`,
  }));
}

/** The programme form: criteria as "label|weight" lines, the rate in percent, dates as Tokyo days. */
export function parseProgramForm(body: FormBody) {
  const criteria = String(body.criteria ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      const [label, weight] = line.split(/[|｜]/);
      return { key: `c${i + 1}`, label: (label ?? '').trim(), weight: num(weight) ?? 1 };
    });
  const rate = num(String(body.subsidyRatePercent ?? '').replace(/[%％]/, ''));
  const tokyo = (d: unknown, end: boolean) =>
    typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d) ? `${d}T${end ? '23:59:59' : '00:00:00'}+09:00` : d;
  return {
    title: body.title,
    description: body.description || undefined,
    maxAmountPerProject: num(body.maxAmountPerProject),
    subsidyRate: typeof rate === 'number' ? rate / 100 : rate,
    budgetTotal: num(body.budgetTotal),
    opensAt: tokyo(body.opensAt, false),
    closesAt: tokyo(body.closesAt, true),
    requiresMunicipalPartner: body.requiresMunicipalPartner === 'on',
    criteria,
  };
}

/** Review scores come as score_<key> fields (or one `score` when the programme has no criteria). */
export function parseReviewForm(body: FormBody) {
  const scores: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body ?? {})) if (k.startsWith('score_')) scores[k.slice(6)] = num(v);
  const hasCriteria = Object.keys(scores).length > 0;
  return { comment: body.comment, ...(hasCriteria ? { scores } : { score: num(body.score) }) };
}
