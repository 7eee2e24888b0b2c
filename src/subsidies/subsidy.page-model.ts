import type { Principal } from '../auth/principal';
import type { SubsidyProgramsService } from './subsidy-programs.service';
import type { SubsidyApplicationsReader } from './subsidy-reader.service';
import { formRows, typedRows } from './subsidy.forms';
import type { FormBody } from './subsidy.forms';
import { MAX_ATTACHMENT_BYTES } from './upload';

/** The application page's model (subsidies/application.hbs): the detail with its actions, and what its forms need. */
export async function applicationPageModel(
  reader: SubsidyApplicationsReader,
  programs: SubsidyProgramsService,
  id: string,
  p: Principal,
  extra: Record<string, unknown> = {},
) {
  const app = await reader.detail(id, p);
  const program = await programs.getProgram(app.program.id, p);
  const values = (extra.values ?? {}) as FormBody;
  return {
    app,
    program,
    applicant: app.access === 'applicant',
    sec: app.access === 'secretariat',
    partner: app.access === 'partner',
    canDownload: app.access !== 'reviewer',
    criteria: program.criteria,
    scoreOptions: [1, 2, 3, 4, 5],
    maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024,
    // the change request form starts from the granted plan's budget rows
    changeRows: values.budgetItem !== undefined ? typedRows(values) : formRows(app.budgetItems),
    values: {},
    ...extra,
  };
}
