import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DemoContext, DemoService } from '../demo/demo.service';
import { IssuesDemo } from '../issues/issues.demo';
import { MembersDirectory } from '../members/directory.service';
import { SolutionsDemo } from '../solutions/solutions.demo';
import demo from './demo/catalog-demo.json';

interface DemoIssue {
  key: string;
  municipality: string;
  field: string;
  title: string;
  body: string;
  tags: string[];
}
interface DemoSolution {
  key: string;
  organization: string;
  field: string;
  title: string;
  summary: string;
  body: string;
  tags: string[];
}

/** The development fixture's issues and solutions as published demo content (idempotent, bulk, in one transaction). */
@Injectable()
export class CatalogDemo implements OnModuleInit {
  private readonly log = new Logger(CatalogDemo.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly demo: DemoService,
    private readonly members: MembersDirectory,
    private readonly issues: IssuesDemo,
    private readonly solutions: SolutionsDemo,
  ) {}

  onModuleInit(): void {
    this.demo.register({ name: 'catalog: issues and solutions', order: 30, run: (ctx) => this.seedDemo(ctx) });
  }

  async seedDemo(_ctx: DemoContext): Promise<void> {
    const issues = demo.issues as DemoIssue[];
    const solutions = demo.solutions as DemoSolution[];
    const codeOf = new Map((await this.members.municipalities()).map((x) => [x.name, x.code]));
    await this.db.transaction(async (m) => {
      // municipality organisations (one per municipality code), created when missing
      const neededCodes = [...new Set(issues.map((i) => codeOf.get(i.municipality)).filter((c): c is string => !!c))];
      const muniOrgs = await this.members.ensureMunicipalityOrganizations(neededCodes, m);

      // solution providers by name (corporations, or universities by their name)
      const names = [...new Set(solutions.map((s) => s.organization))];
      const providers = await this.members.ensureOrganizationsByName(
        names.map((name) => ({
          name,
          kind: /大学/.test(name)
            ? 'university'
            : /研究所$|研究機構/.test(name) && !/株式会社/.test(name)
              ? 'research_institute'
              : 'corporation',
        })),
        m,
      );

      // published over the last months, newest first in fixture order
      const day = 86_400_000;
      const now = Date.now();
      const insertedIssues = await this.issues.insertPublished(
        m,
        issues.flatMap((i, n) => {
          const code = codeOf.get(i.municipality);
          const org = code ? muniOrgs.get(code) : undefined;
          return org && code ? [{ ...i, organizationId: org.id, municipalityCode: code, at: new Date(now - (n + 1) * 2.5 * day) }] : [];
        }),
      );
      const insertedSolutions = await this.solutions.insertPublished(
        m,
        solutions.flatMap((s, n) => {
          const org = providers.get(s.organization);
          return org ? [{ ...s, organizationId: org.id, at: new Date(now - (n + 1) * 1.5 * day) }] : [];
        }),
      );
      this.log.log(`demo: ${insertedIssues.length} issues, ${insertedSolutions.length} solutions`);
    });
  }
}
