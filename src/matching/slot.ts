import type { ModuleRef } from '@nestjs/core';
import type { Principal } from '../auth/principal';
import { MatchesSlot, MatchingService } from './matching.service';

/**
 * The `matches` of an issue or solution page model (views/partials/matches-slot.hbs). Resolved through the ModuleRef so
 * the marketplace modules need not import MatchingModule (which imports them). Null when matching is not loaded.
 */
export async function matchesSlot(
  moduleRef: ModuleRef,
  kind: 'issue' | 'solution',
  id: string,
  p: Principal | undefined,
  lang: string,
): Promise<MatchesSlot | null> {
  let matching: MatchingService;
  try {
    matching = moduleRef.get(MatchingService, { strict: false });
  } catch {
    return null;
  }
  return kind === 'issue' ? matching.slotForIssue(id, p, lang) : matching.slotForSolution(id, p, lang);
}
