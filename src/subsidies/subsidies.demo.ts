import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { fiscalYearOf } from '../../libs/common';
import { recordTransition, transitionEntity } from '../../libs/workflow';
import { DemoContext, DemoService } from '../demo/demo.service';
import { MembersDirectory } from '../members/directory.service';
import { ProjectsService } from '../projects/projects.service';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyReviewer } from './entities/subsidy-parts.entity';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import { subsidyWorkflow } from './subsidy.state';

/** Demo: this fiscal year's programme and one application under review (after the projects). */
@Injectable()
export class SubsidiesDemo implements OnModuleInit {
  private readonly logger = new Logger(SubsidiesDemo.name);

  constructor(
    private readonly demo: DemoService,
    private readonly directory: MembersDirectory,
    private readonly projects: ProjectsService,
  ) {}

  onModuleInit(): void {
    this.demo.register({ name: 'subsidies', order: 60, run: (ctx) => this.run(ctx) });
  }

  private async run(ctx: DemoContext): Promise<void> {
    const [sec] = await this.directory.secretariatUsers();
    const secId = sec.id;
    const now = Date.now();
    const [project] = await this.projects.openProjectsOf(ctx.orgs.mirai);
    await ctx.db.transaction(async (m) => {
      const program = await m.save(
        m.create(SubsidyProgram, {
          title: `令和${fiscalYearOf(new Date()) - 2018}年度 プロジェクト推進補助金`,
          description: '府内の市町村や府の課題解決につながるプロジェクトの経費の一部を補助します。市町村との連携が必須です。',
          maxAmountPerProject: 1_000_000,
          subsidyRate: 0.5,
          budgetTotal: 5_000_000,
          opensAt: new Date(now - 14 * 86_400_000),
          closesAt: new Date(now + 45 * 86_400_000),
          requiresMunicipalPartner: true,
          criteria: [
            { key: 'novelty', label: '新規性', weight: 1 },
            { key: 'feasibility', label: '実現性', weight: 1 },
            { key: 'contribution', label: '地域課題への貢献', weight: 2 },
          ],
          fiscalYear: fiscalYearOf(new Date()),
          createdBy: secId,
        }),
      );
      const app = await m.save(
        m.create(SubsidyApplication, {
          programId: program.id,
          organizationId: ctx.orgs.mirai,
          createdBy: ctx.users.mirai,
          title: 'AIオンデマンドバス実証運行の車両・システム費',
          summary: '富田林市の郊外住宅地で、AIオンデマンドバスを3か月間実証運行するための車両リースと配車システムの費用です。',
          requestedAmount: 900_000,
          totalCost: 1_800_000,
          budgetItems: [
            { item: '車両リース費（3か月）', amount: 1_200_000 },
            { item: '配車システム利用料', amount: 600_000 },
          ],
          municipalPartnerOrganizationId: ctx.orgs.tondabayashi,
          projectId: project?.id ?? null,
          status: 'draft',
        }),
      );
      await recordTransition(m, subsidyWorkflow, { subjectId: app.id, from: null, to: 'draft', actorId: ctx.users.mirai });
      await transitionEntity(
        m,
        subsidyWorkflow,
        SubsidyApplication,
        app.id,
        { from: 'draft', to: subsidyWorkflow.assertAction('submit', 'draft', { access: 'applicant' }), actorId: ctx.users.mirai },
        { set: { submittedAt: new Date() } },
      );
      await transitionEntity(m, subsidyWorkflow, SubsidyApplication, app.id, {
        from: 'submitted',
        to: subsidyWorkflow.assertAction('startReview', 'submitted', { access: 'secretariat' }),
        actorId: secId,
      });
      await m.insert(SubsidyReviewer, { applicationId: app.id, reviewerId: ctx.users.univ, assignedBy: secId });
    });
    this.logger.log('demo subsidy programme and an application under review');
  }
}
