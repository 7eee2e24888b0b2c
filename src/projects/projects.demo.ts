import { Injectable, OnModuleInit } from '@nestjs/common';
import { recordTransition, transitionEntity } from '../../libs/workflow';
import { DemoContext, DemoService } from '../demo/demo.service';
import { MembersDirectory } from '../members/directory.service';
import { Project, ProjectOrganization } from './entities/project.entity';
import { actionTo, ProjectStage, projectWorkflow } from './project.state';

/** Demo: a couple of projects in different stages. */
@Injectable()
export class ProjectsDemo implements OnModuleInit {
  constructor(
    private readonly demo: DemoService,
    private readonly members: MembersDirectory,
  ) {}

  onModuleInit(): void {
    this.demo.register({ name: 'projects', order: 55, run: (ctx) => this.run(ctx) });
  }

  private async run(ctx: DemoContext): Promise<void> {
    const [sec] = await this.members.secretariatUsers();
    const actor = sec?.id ?? null;
    const make = async (
      title: string,
      fieldSlug: string,
      summary: string,
      coordinator: string,
      municipalities: string[],
      members: string[],
      path: ProjectStage[],
      notes: string[],
    ) => {
      await ctx.db.transaction(async (m) => {
        const project = await m.save(
          m.create(Project, { title, fieldSlug, summary, coordinatorOrganizationId: coordinator, stage: 'proposal', createdBy: actor }),
        );
        await m.insert(ProjectOrganization, [
          ...municipalities.map((organizationId) => ({ projectId: project.id, organizationId, role: 'municipality' as const })),
          ...members.map((organizationId) => ({ projectId: project.id, organizationId, role: 'member' as const })),
        ]);
        await recordTransition(m, projectWorkflow, { subjectId: project.id, from: null, to: 'proposal', actorId: actor });
        let from: ProjectStage = 'proposal';
        for (const [i, stage] of path.entries()) {
          const to = projectWorkflow.assertAction(actionTo(stage)!, from, { secretariat: true, coordinator: false });
          await transitionEntity(
            m,
            projectWorkflow,
            Project,
            project.id,
            { from, to, actorId: actor, comment: notes[i] ?? null },
            { stateProperty: 'stage', set: { stageChangedAt: new Date() } },
          );
          from = to;
        }
      });
    };
    await make(
      'AIオンデマンド交通による高齢者の移動支援',
      'mobility',
      '富田林市の郊外住宅地で、予約に応じて走るAIオンデマンドバスを運行し、高齢者の通院・買い物の移動を支えます。',
      ctx.orgs.mirai,
      [ctx.orgs.tondabayashi],
      [ctx.orgs.univ],
      ['demonstration'],
      ['2025年度の実証運行を開始しました。'],
    );
    await make(
      '健診データを活用したフレイル予防',
      'health',
      '大阪市・堺市の健診データと歩数データを組み合わせ、フレイルの兆しを早めに見つけて予防教室につなげます。',
      ctx.orgs.kenko,
      [ctx.orgs.osaka, ctx.orgs.sakai],
      [ctx.orgs.lab],
      ['demonstration', 'implementation'],
      ['実証を開始しました。', '実証の結果を受け、本格導入が決まりました。'],
    );
    await make(
      '子育て世帯向け手続きのオンライン化',
      'childcare',
      '保育所の入所申込をオンラインで完結できるようにする提案です。',
      ctx.orgs.solo,
      [ctx.orgs.sakai],
      [],
      [],
      [],
    );
  }
}
