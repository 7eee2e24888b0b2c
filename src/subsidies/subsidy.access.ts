import type { EntityManager } from 'typeorm';
import { AppError } from '../../libs/common';
import { isSecretariat, Principal } from '../auth/principal';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyReviewer } from './entities/subsidy-parts.entity';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import type { Access } from './subsidy.state';

export async function lockApplication(m: EntityManager, id: string): Promise<SubsidyApplication> {
  const app = await m.findOne(SubsidyApplication, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!app) throw new AppError(404, 'notFound');
  return app;
}

export function lockProgram(m: EntityManager, id: string): Promise<SubsidyProgram> {
  return m.findOneOrFail(SubsidyProgram, { where: { id }, lock: { mode: 'pessimistic_write' } });
}

/** Who the caller is to this application; 404 for anyone who may not see it. */
export async function accessOf(m: EntityManager, app: SubsidyApplication, p: Principal): Promise<Access> {
  if (isSecretariat(p)) return 'secretariat';
  if (p.organizationId && p.organizationId === app.organizationId) return 'applicant';
  // the named municipal partner reads the application once it has been submitted (never the reviews)
  if (p.organizationId && p.organizationId === app.municipalPartnerOrganizationId && app.submittedAt !== null) return 'partner';
  if ((await m.count(SubsidyReviewer, { where: { applicationId: app.id, reviewerId: p.userId } })) > 0) return 'reviewer';
  throw new AppError(404, 'notFound');
}

/** Applicant-only steps: others who can see the application get 403, the rest 404. */
export async function requireApplicant(m: EntityManager, app: SubsidyApplication, p: Principal): Promise<void> {
  const access = await accessOf(m, app, p);
  if (access !== 'applicant') throw new AppError(403, 'subsidies.applicantOnly');
}
