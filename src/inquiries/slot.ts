import type { ModuleRef } from '@nestjs/core';
import type { Principal } from '../auth/principal';
import { InquiriesService, InquirySlot } from './inquiries.service';

/**
 * The `inquiry` of an issue or solution page model (views/partials/inquiries/slot.hbs). Resolved through the ModuleRef
 * so the marketplace modules need not import InquiriesModule (which imports them). Null when there is nothing to show.
 */
export async function inquirySlot(
  moduleRef: ModuleRef,
  kind: 'issue' | 'solution',
  item: { id: string; status: string; organization: { id: string } },
  p: Principal | undefined,
): Promise<InquirySlot | null> {
  let inquiries: InquiriesService;
  try {
    inquiries = moduleRef.get(InquiriesService, { strict: false });
  } catch {
    return null;
  }
  return inquiries.slot(kind, item, p);
}
