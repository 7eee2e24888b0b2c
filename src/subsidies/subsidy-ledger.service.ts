import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError, t, toCsv } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import { ApplicationStatus, CONFIRMED, GRANTED } from './subsidy.state';

export interface LedgerRow {
  applicationId: string;
  title: string;
  organization: { id: string; name: string };
  status: ApplicationStatus;
  grantedAmount: number;
  confirmedAmount: number | null;
  paidAmount: number;
  paidOn: string | null;
  /** what goes back to the budget: the whole grant when withdrawn, granted − confirmed once the amount is fixed */
  releasedAmount: number;
}

export interface Ledger {
  program: { id: string; title: string; budgetTotal: number | null };
  totals: { granted: number; confirmed: number; paid: number; released: number; committed: number; remainingBudget: number | null };
  items: LedgerRow[];
}

/** The programme's ledger (交付台帳): every grant with what was confirmed, paid and released; as JSON or CSV. */
@Injectable()
export class SubsidyLedgerService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly directory: MembersDirectory,
  ) {}

  async ledger(programId: string): Promise<Ledger> {
    const program = await this.db.manager.findOne(SubsidyProgram, { where: { id: programId } });
    if (!program) throw new AppError(404, 'notFound');
    const apps = await this.db
      .getRepository(SubsidyApplication)
      .createQueryBuilder('a')
      .where('a.program_id = :programId AND a.granted_amount IS NOT NULL', { programId })
      .andWhere('a.status IN (:...statuses)', { statuses: [...GRANTED, 'withdrawn'] })
      .orderBy('a.decided_at', 'ASC')
      .addOrderBy('a.id')
      .getMany();
    const orgs = await this.directory.organizations(apps.map((a) => a.organizationId));
    const items = apps.map((a): LedgerRow => {
      const granted = a.grantedAmount ?? 0;
      const fixed = CONFIRMED.includes(a.status);
      return {
        applicationId: a.id,
        title: a.title,
        organization: { id: a.organizationId, name: orgs.get(a.organizationId)?.name ?? '' },
        status: a.status,
        grantedAmount: granted,
        confirmedAmount: fixed ? a.confirmedAmount : null,
        paidAmount: a.status === 'paid' ? (a.confirmedAmount ?? 0) : 0,
        paidOn: a.paidOn,
        releasedAmount: a.status === 'withdrawn' ? granted : fixed ? granted - (a.confirmedAmount ?? 0) : 0,
      };
    });
    const sum = (f: (r: LedgerRow) => number) => items.reduce((s, r) => s + f(r), 0);
    const granted = sum((r) => r.grantedAmount);
    const released = sum((r) => r.releasedAmount);
    return {
      program: { id: program.id, title: program.title, budgetTotal: program.budgetTotal },
      totals: {
        granted,
        confirmed: sum((r) => r.confirmedAmount ?? 0),
        paid: sum((r) => r.paidAmount),
        released,
        committed: granted - released,
        remainingBudget: program.budgetTotal === null ? null : program.budgetTotal - (granted - released),
      },
      items,
    };
  }

  /** The ledger as CSV (UTF-8 with BOM, Excel opens it), the export audited. */
  async ledgerCsv(p: Principal, programId: string, ip?: string): Promise<string> {
    const l = await this.ledger(programId);
    await this.audit.record({
      actorId: p.userId,
      action: 'subsidy.ledger.export',
      subjectType: 'subsidy_program',
      subjectId: programId,
      ip,
    });
    const label = (s: string) => t('ja', `subsidies.statuses.${s}`);
    return toCsv(
      ['申請ID', '件名', '申請者', '状態', '交付決定額', '確定額', '支払額', '支払日', '予算への戻り'],
      [
        ...l.items.map((r) => [
          r.applicationId,
          r.title,
          r.organization.name,
          label(r.status),
          r.grantedAmount,
          r.confirmedAmount,
          r.paidAmount,
          r.paidOn,
          r.releasedAmount,
        ]),
        ['合計', '', '', '', l.totals.granted, l.totals.confirmed, l.totals.paid, '', l.totals.released],
      ],
    );
  }
}
