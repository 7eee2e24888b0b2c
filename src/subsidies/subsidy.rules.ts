import { AppError } from '../../libs/common';
import type { ReviewDto } from './dto/subsidy.dto';
import type { BudgetItem } from './entities/subsidy-application.entity';
import type { Criterion, SubsidyProgram } from './entities/subsidy-program.entity';
import type { FinalAmount } from './subsidy.views';

const floorRate = (total: number, rate: number) => Math.floor((total * Math.round(rate * 1_000_000)) / 1_000_000);

/** 400 unless requested ≤ cap and ≤ floor(total cost × rate). Returns the total cost. */
export function checkAmounts(program: SubsidyProgram, requested: number, items: BudgetItem[]): number {
  const totalCost = items.reduce((a, i) => a + i.amount, 0);
  if (totalCost > 2_000_000_000) throw new AppError(400, 'subsidies.totalTooLarge', {}, { budgetItems: ['subsidies.totalTooLarge'] });
  if (requested > program.maxAmountPerProject)
    throw new AppError(400, 'subsidies.overCap', { cap: program.maxAmountPerProject }, { requestedAmount: ['subsidies.overCap'] });
  const byRate = floorRate(totalCost, program.subsidyRate);
  if (requested > byRate)
    throw new AppError(
      400,
      'subsidies.overRate',
      { max: byRate, percent: Math.round(program.subsidyRate * 10000) / 100 },
      { requestedAmount: ['subsidies.overRate'] },
    );
  return totalCost;
}

/** A review's scores: 1–5 for each criterion (or one `score` when the programme has none), and the weighted mean. */
export function scoreOf(criteria: Criterion[], dto: ReviewDto): { scores: Record<string, number>; weighted: number } {
  const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5;
  if (!criteria.length) {
    if (!ok(dto.score) || dto.scores) throw new AppError(400, 'subsidies.badScores', {}, { score: ['subsidies.badScores'] });
    return { scores: { score: dto.score! }, weighted: dto.score! };
  }
  const given = dto.scores ?? {};
  const keys = Object.keys(given);
  const bad = criteria.filter((c) => !ok(given[c.key])).map((c) => c.key);
  const extra = keys.filter((k) => !criteria.some((c) => c.key === k));
  if (bad.length || extra.length || dto.score !== undefined) {
    const fields: Record<string, string[]> = { scores: ['subsidies.badScores'] };
    for (const k of [...bad, ...extra]) fields[`scores.${k}`] = ['subsidies.badScores'];
    throw new AppError(400, 'subsidies.badScores', {}, fields);
  }
  const scores = Object.fromEntries(criteria.map((c) => [c.key, given[c.key]]));
  const wsum = criteria.reduce((a, c) => a + c.weight, 0);
  const weighted = Math.round((criteria.reduce((a, c) => a + c.weight * given[c.key], 0) / wsum) * 1000) / 1000;
  return { scores, weighted };
}

/** 額の確定 by rule: min(granted, floor(actual eligible cost × rate), cap), with its working (Japanese first). */
export function finalAmountOf(program: SubsidyProgram, grantedAmount: number, actualCost: number): FinalAmount {
  const byRate = floorRate(actualCost, program.subsidyRate);
  const cap = program.maxAmountPerProject;
  const amount = Math.min(grantedAmount, byRate, cap);
  const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
  const percent = Math.round(program.subsidyRate * 10000) / 100;
  const working =
    `min(交付決定額 ${yen(grantedAmount)}, floor(実績額 ${yen(actualCost)} × ${percent}%) = ${yen(byRate)}, ` +
    `上限額 ${yen(cap)}) = ${yen(amount)}`;
  return { grantedAmount, actualCost, subsidyRate: program.subsidyRate, byRate, cap, amount, working };
}

/** The last moment the applicant may withdraw after the grant decision (the programme's period, in days). */
export function withdrawableUntil(program: SubsidyProgram, grantedAt: Date | null): Date | null {
  return grantedAt ? new Date(grantedAt.getTime() + program.withdrawalDaysAfterGrant * 86_400_000) : null;
}
