import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { SubsidiesService } from '../../src/subsidies/subsidies.service';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { auth, createProgram, docxFile, draftApplication, extraSecretariat, pdfFile, pngFile } from '../factories/subsidies';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { pageClient } from '../support/pages';

const DAY = 86_400_000;

describe('subsidies: programmes, applications, review, grant, report and confirmation', () => {
  let t: TestApp;
  let sec: string;
  let company: TestMember;
  let other: TestMember;
  let city: TestMember;
  let univ: TestMember;
  let lab: TestMember;
  let programId: string;
  let db: DataSource;
  const uploads = () => path.join(t.config.dataDir, 'uploads', 'subsidies');
  const filesOnDisk = () => (fs.existsSync(uploads()) ? fs.readdirSync(uploads()) : []);

  beforeAll(async () => {
    t = await createTestApp('subsidies');
    db = t.app.get(DataSource);
    sec = await secretariatTokenFor(t);
    company = await approvedMember(t, 'corporation', { name: '株式会社みらい交通' });
    other = await approvedMember(t, 'corporation', { name: '株式会社よそ見' });
    city = await approvedMember(t, 'municipality', { municipalityCode: '27214', name: '富田林市' });
    univ = await approvedMember(t, 'university', { name: '大阪スマートシティ大学' });
    lab = await approvedMember(t, 'research_institute', { name: '関西都市研究所' });
    programId = (await createProgram(t, sec, { budgetTotal: 5_000_000 })).id;
  });
  afterAll(async () => {
    await t?.close();
  });
  /** The named municipality confirms the partnership (review cannot start before). */
  const partnerConfirms = async (id: string) =>
    expect(
      (
        await t
          .http()
          .post(`/api/v1/subsidy-applications/${id}/partner-confirmation`)
          .set(auth(city.token))
          .send({ confirmed: true, comment: '連携して実施します。' })
      ).status,
    ).toBe(200);

  it('a company applies, is returned with a comment, resubmits, is reviewed, adopted with the grant, reports, and the amount is confirmed', async () => {
    // the programme says what a request may be
    const program = await t.http().get(`/api/v1/subsidy-programs/${programId}`);
    expect(program.status).toBe(200);
    expect(program.body).toMatchObject({ maxAmountPerProject: 1_000_000, subsidyRate: 0.5, requiresMunicipalPartner: true, isOpen: true });

    // over the cap, over half of the cost, a partner that is not a municipality: 400
    const overCap = await t
      .http()
      .post(`/api/v1/subsidy-programs/${programId}/applications`)
      .set(auth(company.token))
      .send({
        title: '大型実証',
        summary: '大きな実証',
        requestedAmount: 1_200_000,
        budgetItems: [{ item: '車両', amount: 5_000_000 }],
      });
    expect(overCap.status).toBe(400);
    expect(overCap.body.fields.requestedAmount.join()).toMatch(/上限/);
    const overRate = await t
      .http()
      .post(`/api/v1/subsidy-programs/${programId}/applications`)
      .set(auth(company.token))
      .send({
        title: '実証',
        summary: '実証',
        requestedAmount: 900_001,
        budgetItems: [{ item: '車両', amount: 1_800_001 }],
      });
    expect(overRate.status).toBe(400);
    const atRate = await t
      .http()
      .post(`/api/v1/subsidy-programs/${programId}/applications`)
      .set(auth(company.token))
      .send({
        title: '実証',
        summary: '実証',
        requestedAmount: 900_000,
        budgetItems: [{ item: '車両', amount: 1_800_001 }],
      });
    expect(atRate.status).toBe(201); // floor(1,800,001 × 0.5) = 900,000
    const notMuni = await t
      .http()
      .post(`/api/v1/subsidy-programs/${programId}/applications`)
      .set(auth(company.token))
      .send({
        title: '実証',
        summary: '実証',
        requestedAmount: 100_000,
        budgetItems: [{ item: '車両', amount: 300_000 }],
        municipalPartnerOrganizationId: other.organizationId,
      });
    expect(notMuni.status).toBe(400);

    // a draft without the required partner cannot be submitted
    const app = await draftApplication(t, company.token, programId);
    expect(app.status).toBe('draft');
    const noPartner = await t.http().post(`/api/v1/subsidy-applications/${app.id}/submit`).set(auth(company.token));
    expect(noPartner.status).toBe(409);
    expect(noPartner.body.message).toMatch(/市町村/);
    const patched = await t
      .http()
      .patch(`/api/v1/subsidy-applications/${app.id}`)
      .set(auth(company.token))
      .send({ municipalPartnerOrganizationId: city.organizationId });
    expect(patched.status).toBe(200);
    expect(patched.body.municipalPartner).toEqual({ id: city.organizationId, name: '富田林市' });

    const attached = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/attachments`)
      .set(auth(company.token))
      .attach('file', pdfFile(), '事業計画書.pdf');
    expect(attached.status).toBe(201);
    expect(attached.body).toMatchObject({ filename: '事業計画書.pdf', mediaType: 'application/pdf', kind: 'application' });

    // the secretariat cannot start a review of a draft
    expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/start-review`).set(auth(sec))).status).toBe(409);

    const submitted = await t.http().post(`/api/v1/subsidy-applications/${app.id}/submit`).set(auth(company.token));
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('submitted');

    // returned for correction, with a comment the applicant reads in the mail
    const noComment = await t.http().post(`/api/v1/subsidy-applications/${app.id}/return`).set(auth(sec)).send({});
    expect(noComment.status).toBe(400);
    const returned = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/return`)
      .set(auth(sec))
      .send({ comment: '経費の内訳に見積書を添付してください。' });
    expect(returned.status).toBe(200);
    expect(returned.body.status).toBe('returned');
    await t.flushMail();
    const mails = t.mail.to(company.email);
    const returnMail = mails.find((m) => m.subject.includes('差戻し'));
    expect(returnMail?.text).toContain('経費の内訳に見積書を添付してください。');
    const notices = await t.http().get('/api/v1/subsidies/notifications').set(auth(company.token));
    expect(notices.body.items[0]).toMatchObject({ status: 'returned', comment: '経費の内訳に見積書を添付してください。' });

    // the applicant corrects and resubmits; a returned application may be withdrawn, but not once under review
    const corrected = await t
      .http()
      .patch(`/api/v1/subsidy-applications/${app.id}`)
      .set(auth(company.token))
      .send({ requestedAmount: 850_000 });
    expect(corrected.status).toBe(200);
    expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/submit`).set(auth(company.token))).status).toBe(200);
    // not before the named municipality has confirmed (again, after the resubmission)
    expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/start-review`).set(auth(sec))).status).toBe(409);
    await partnerConfirms(app.id);
    const review = await t.http().post(`/api/v1/subsidy-applications/${app.id}/start-review`).set(auth(sec));
    expect(review.body.status).toBe('under_review');
    const withdraw = await t.http().post(`/api/v1/subsidy-applications/${app.id}/withdraw`).set(auth(company.token));
    expect(withdraw.status).toBe(409);

    // reviewers: never the applicant's own organisation
    const own = await t.http().post(`/api/v1/subsidy-applications/${app.id}/reviewers`).set(auth(sec)).send({ email: company.email });
    expect(own.status).toBe(400);
    for (const r of [univ, lab]) {
      expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/reviewers`).set(auth(sec)).send({ email: r.email })).status).toBe(
        200,
      );
    }
    await t.flushMail();
    expect(t.mail.to(univ.email).some((m) => m.subject.includes('審査'))).toBe(true);

    // scores for every criterion, 1–5
    const partial = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/reviews`)
      .set(auth(univ.token))
      .send({ scores: { novelty: 4 }, comment: '不足' });
    expect(partial.status).toBe(400);
    const outOfRange = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/reviews`)
      .set(auth(univ.token))
      .send({ scores: { novelty: 6, feasibility: 3, contribution: 4 }, comment: '範囲外' });
    expect(outOfRange.status).toBe(400);
    const scored = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/reviews`)
      .set(auth(univ.token))
      .send({ scores: { novelty: 4, feasibility: 3, contribution: 5 }, comment: '地域への効果が大きい。' });
    expect(scored.status).toBe(201);
    expect(scored.body.myReview.weightedScore).toBe(4.25);
    expect(
      (
        await t
          .http()
          .post(`/api/v1/subsidy-applications/${app.id}/reviews`)
          .set(auth(univ.token))
          .send({ scores: { novelty: 4, feasibility: 3, contribution: 5 }, comment: '二度目' })
      ).status,
    ).toBe(409);

    // the second reviewer does not see the first one's scores before submitting
    const before = await t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(lab.token));
    expect(before.status).toBe(200);
    expect(before.body.reviews).toEqual([]);
    expect(JSON.stringify(before.body)).not.toContain('地域への効果が大きい。');
    await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/reviews`)
      .set(auth(lab.token))
      .send({ scores: { novelty: 3, feasibility: 4, contribution: 4 }, comment: '実現性は高い。' });
    const after = await t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(lab.token));
    expect(after.body.reviews).toHaveLength(2);
    // the applicant never sees the reviews
    const asApplicant = await t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(company.token));
    expect(asApplicant.body.reviews).toBeUndefined();

    // the decision screen: weighted scores and the remaining budget
    const forDecision = await t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(sec));
    expect(forDecision.body.reviewSummary.averageWeighted).toBe(4);
    expect(forDecision.body.remainingBudget).toBe(5_000_000);

    // granted ≤ requested and ≤ cap
    const tooMuch = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/decision`)
      .set(auth(sec))
      .send({ decision: 'adopted', grantedAmount: 900_000, comment: '採択' });
    expect(tooMuch.status).toBe(400);
    const adopted = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/decision`)
      .set(auth(sec))
      .send({ decision: 'adopted', grantedAmount: 800_000, comment: '地域への貢献を評価し採択します。' });
    expect(adopted.status).toBe(200);
    expect(adopted.body).toMatchObject({ status: 'grant_decided', grantedAmount: 800_000 });

    // the performance report, then the final amount (≤ granted)
    expect(
      (await t.http().post(`/api/v1/subsidy-applications/${app.id}/confirm`).set(auth(sec)).send({ confirmedAmount: 700_000 })).status,
    ).toBe(409);
    const reportFile = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/attachments`)
      .set(auth(company.token))
      .field('kind', 'report')
      .attach('file', docxFile(), '実績報告書.docx');
    expect(reportFile.status).toBe(201);
    expect(reportFile.body.kind).toBe('report');
    const reported = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/report`)
      .set(auth(company.token))
      .send({ actualCost: 1_500_000, outcome: '延べ1,200人が利用し、通院の足として定着した。' });
    expect(reported.status).toBe(200);
    expect(reported.body.status).toBe('report_submitted');
    expect(
      (await t.http().post(`/api/v1/subsidy-applications/${app.id}/confirm`).set(auth(sec)).send({ confirmedAmount: 800_001 })).status,
    ).toBe(400);
    const confirmed = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/confirm`)
      .set(auth(sec))
      .send({ confirmedAmount: 750_000 });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'completed', confirmedAmount: 750_000 });

    // the whole history, with who and the return comment
    const history = confirmed.body.history as {
      from: string | null;
      to: string;
      comment: string | null;
      actor: { displayName: string } | null;
      at: string;
    }[];
    expect(history.map((h) => `${h.from ?? '-'}→${h.to}`)).toEqual([
      '-→draft',
      'draft→submitted',
      'submitted→returned',
      'returned→submitted',
      'submitted→partner_confirmed',
      'partner_confirmed→under_review',
      'under_review→adopted',
      'adopted→grant_decided',
      'grant_decided→report_submitted',
      'report_submitted→completed',
    ]);
    expect(history[2].comment).toBe('経費の内訳に見積書を添付してください。');
    expect(history.every((h) => h.actor && h.at)).toBe(true);

    // every step told the applicant
    await t.flushMail();
    const subjects = t.mail
      .to(company.email)
      .map((m) => m.subject)
      .join('\n');
    for (const s of ['提出済み', '差戻し', '審査中', '交付決定', '実績報告済み', '額の確定']) expect(subjects).toContain(s);

    // programme totals and the forum figures
    const totals = await t.http().get(`/api/v1/subsidy-programs/${programId}`).set(auth(sec));
    expect(totals.body.totals).toMatchObject({ adopted: 1, grantedTotal: 800_000, confirmedTotal: 750_000, remainingBudget: 4_200_000 });
    const figures = await t.app.get(SubsidiesService).figures();
    expect(figures).toMatchObject({ adopted: 1, grantedTotal: 800_000, confirmedTotal: 750_000 });
    expect(figures.applications).toBeGreaterThanOrEqual(1);

    // the audit log holds every decision and money change; exportable as CSV with a BOM
    const log = await t.http().get(`/api/v1/audit-log?subjectType=subsidy_application&subjectId=${app.id}&perPage=100`).set(auth(sec));
    expect(log.status).toBe(200);
    const actions = log.body.items.map((i: { action: string }) => i.action);
    for (const a of [
      'subsidy.application.create',
      'subsidy.application.amounts',
      'subsidy.application.return',
      'subsidy.decision',
      'subsidy.grant',
      'subsidy.report',
      'subsidy.confirm',
    ]) {
      expect(actions).toContain(a);
    }
    expect((await t.http().get('/api/v1/audit-log').set(auth(company.token))).status).toBe(403);
    const csv = await t
      .http()
      .get('/api/v1/audit-log?format=csv')
      .set(auth(sec))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect((csv.body as Buffer).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect((csv.body as Buffer).toString('utf8')).toContain('subsidy.confirm');
    const appsCsv = await t.http().get('/api/v1/subsidy-applications?format=csv').set(auth(sec));
    expect(appsCsv.status).toBe(200);
    expect(appsCsv.text).toContain('AIオンデマンドバスの実証運行');
    expect((await t.http().get('/api/v1/subsidy-applications?format=csv').set(auth(company.token))).status).toBe(403);

    const queue = await t.http().get('/api/v1/subsidies/work-queue').set(auth(sec));
    expect(queue.status).toBe(200);
    expect(Object.keys(queue.body)).toEqual(['toCheck', 'underReview', 'toGrant', 'changeRequests', 'reportsToConfirm', 'paymentsClaimed']);
  });

  it('the detail carries the actions this caller may take, from the workflow table and its role rules', async () => {
    const app = await draftApplication(t, company.token, programId, { municipalPartnerOrganizationId: city.organizationId });
    const as = (token: string) => t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(token));

    // a draft: the applicant may edit, submit or withdraw it; the secretariat has nothing to do yet; another company gets 404
    expect((await as(company.token)).body.actions).toEqual(['submit', 'withdraw', 'edit']);
    expect((await as(sec)).body.actions).toEqual([]);
    expect((await as(other.token)).status).toBe(404);

    // submitted: the applicant may only withdraw; the secretariat may return it, start the review or assign reviewers
    expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/submit`).set(auth(company.token))).status).toBe(200);
    expect((await as(company.token)).body.actions).toEqual(['withdraw']);
    expect((await as(sec)).body.actions).toEqual(['return', 'assignReviewer']);
    expect((await as(city.token)).body.actions).toEqual(['confirmPartner', 'declinePartner']);
    // once the municipal partner has confirmed, the review may start
    await partnerConfirms(app.id);
    expect((await as(sec)).body.actions).toEqual(['return', 'startReview', 'assignReviewer']);
    expect((await as(city.token)).body.actions).toEqual([]);

    // under review: the secretariat decides; an assigned reviewer may review once; the applicant waits
    expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/start-review`).set(auth(sec))).status).toBe(200);
    expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/reviewers`).set(auth(sec)).send({ email: lab.email })).status).toBe(
      200,
    );
    expect((await as(company.token)).body.actions).toEqual([]);
    expect((await as(sec)).body.actions).toEqual(['adopt', 'reject', 'assignReviewer']);
    expect((await as(lab.token)).body.actions).toEqual(['review']);
    const scores = { novelty: 4, feasibility: 3, contribution: 5 };
    const reviewed = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/reviews`)
      .set(auth(lab.token))
      .send({ scores, comment: '良い' });
    expect(reviewed.status).toBe(201);
    expect(reviewed.body.actions).toEqual([]);

    // the pages show the forms of those actions only
    const secPage = pageClient(t);
    await secPage.signIn(SECRETARIAT.email, SECRETARIAT.password);
    const page = await secPage.get(`/subsidies/applications/${app.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`/subsidies/applications/${app.id}/decision`);
    expect(page.text).not.toContain(`/subsidies/applications/${app.id}/start-review`);
    const ownPage = pageClient(t);
    await ownPage.signIn(company.email, company.password);
    const own = await ownPage.get(`/subsidies/applications/${app.id}`);
    expect(own.status).toBe(200);
    expect(own.text).not.toContain(`/subsidies/applications/${app.id}/withdraw`);
    expect(own.text).not.toContain(`/subsidies/applications/${app.id}/decision`);
  });

  it('another company gets 404 on the application and its attachments; a reviewer cannot download', async () => {
    const app = await draftApplication(t, company.token, programId, { municipalPartnerOrganizationId: city.organizationId });
    const att = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/attachments`)
      .set(auth(company.token))
      .attach('file', pngFile(), '位置図.png');
    expect(att.status).toBe(201);

    expect((await t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(other.token))).status).toBe(404);
    expect((await t.http().get(`/api/v1/subsidy-applications/${app.id}/attachments/${att.body.id}`).set(auth(other.token))).status).toBe(
      404,
    );
    expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/submit`).set(auth(other.token))).status).toBe(404);
    expect((await t.http().patch(`/api/v1/subsidy-applications/${app.id}`).set(auth(other.token)).send({ title: '乗っ取り' })).status).toBe(
      404,
    );
    expect(
      (await t.http().post(`/api/v1/subsidy-applications/${app.id}/attachments`).set(auth(other.token)).attach('file', pdfFile(), 'x.pdf'))
        .status,
    ).toBe(404);
    const list = await t.http().get('/api/v1/subsidy-applications').set(auth(other.token));
    expect(list.body.items.map((a: { id: string }) => a.id)).not.toContain(app.id);
    // the municipal partner is not the applicant either
    expect((await t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(city.token))).status).toBe(404);

    // the applicant's organisation and the secretariat download it as an attachment, never sniffed
    for (const token of [company.token, sec]) {
      const dl = await t.http().get(`/api/v1/subsidy-applications/${app.id}/attachments/${att.body.id}`).set(auth(token));
      expect(dl.status).toBe(200);
      expect(dl.headers['content-type']).toBe('image/png');
      expect(dl.headers['content-disposition']).toMatch(/^attachment;/);
      expect(dl.headers['content-disposition']).toContain(encodeURIComponent('位置図.png'));
      expect(dl.headers['x-content-type-options']).toBe('nosniff');
    }

    await t.http().post(`/api/v1/subsidy-applications/${app.id}/submit`).set(auth(company.token));
    await partnerConfirms(app.id);
    await t.http().post(`/api/v1/subsidy-applications/${app.id}/start-review`).set(auth(sec));
    await t.http().post(`/api/v1/subsidy-applications/${app.id}/reviewers`).set(auth(sec)).send({ userId: undefined, email: univ.email });
    expect((await t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(univ.token))).status).toBe(200);
    expect((await t.http().get(`/api/v1/subsidy-applications/${app.id}/attachments/${att.body.id}`).set(auth(univ.token))).status).toBe(
      404,
    );
    // someone not assigned cannot review
    expect(
      (
        await t
          .http()
          .post(`/api/v1/subsidy-applications/${app.id}/reviews`)
          .set(auth(lab.token))
          .send({ scores: { novelty: 3, feasibility: 3, contribution: 3 }, comment: '無断' })
      ).status,
    ).toBe(404);
  });

  it('an attachment that lies about its type is 415, one over 20 MB is 413, and neither leaves a file or a row', async () => {
    const app = await draftApplication(t, company.token, programId);
    const rows = async () =>
      (await db.query(`SELECT count(*)::int AS n FROM subsidy_attachments WHERE application_id = $1`, [app.id]))[0].n;
    const before = filesOnDisk().length;

    const lying = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/attachments`)
      .set(auth(company.token))
      .attach('file', pngFile(), '見積書.pdf');
    expect(lying.status).toBe(415);
    const script = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/attachments`)
      .set(auth(company.token))
      .attach('file', Buffer.from('<script>alert(1)</script>'), '説明.pdf');
    expect(script.status).toBe(415);
    const exe = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/attachments`)
      .set(auth(company.token))
      .attach('file', Buffer.from('MZ\x90\x00binary'), 'tool.exe');
    expect(exe.status).toBe(415);
    const zip = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/attachments`)
      .set(auth(company.token))
      .attach('file', docxFile(), '表.xlsx');
    expect(zip.status).toBe(415);

    const big = Buffer.alloc(20 * 1024 * 1024 + 1, 0x20);
    big.write('%PDF-1.4', 0, 'latin1');
    const tooBig = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/attachments`)
      .set(auth(company.token))
      .attach('file', big, '大きな資料.pdf');
    expect(tooBig.status).toBe(413);

    expect(await rows()).toBe(0);
    expect(filesOnDisk().length).toBe(before);
    expect(filesOnDisk().filter((f) => f.endsWith('.part'))).toEqual([]);

    // exactly 20 MB is fine
    const limit = Buffer.alloc(20 * 1024 * 1024, 0x20);
    limit.write('%PDF-1.4', 0, 'latin1');
    const ok = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/attachments`)
      .set(auth(company.token))
      .attach('file', limit, '大きな資料.pdf');
    expect(ok.status).toBe(201);
    expect(await rows()).toBe(1);
    expect(filesOnDisk().length).toBe(before + 1);
    // never in the web root
    expect(fs.existsSync(path.join(__dirname, '..', '..', 'views', 'static', 'uploads'))).toBe(false);

    // removing it removes the file too
    const del = await t.http().delete(`/api/v1/subsidy-applications/${app.id}/attachments/${ok.body.id}`).set(auth(company.token));
    expect(del.status).toBe(204);
    expect(filesOnDisk().length).toBe(before);
  });

  it('two secretariat users deciding the same application at once: one wins, the other gets 409', async () => {
    const second = await extraSecretariat(t);
    const app = await draftApplication(t, company.token, programId, { municipalPartnerOrganizationId: city.organizationId });
    await t.http().post(`/api/v1/subsidy-applications/${app.id}/submit`).set(auth(company.token));
    await partnerConfirms(app.id);
    await t.http().post(`/api/v1/subsidy-applications/${app.id}/start-review`).set(auth(sec));

    const [a, b] = await Promise.all([
      t
        .http()
        .post(`/api/v1/subsidy-applications/${app.id}/decision`)
        .set(auth(sec))
        .send({ decision: 'adopted', grantedAmount: 700_000, comment: '採択' }),
      t
        .http()
        .post(`/api/v1/subsidy-applications/${app.id}/decision`)
        .set(auth(second.token))
        .send({ decision: 'rejected', comment: '不採択' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const final = await t.http().get(`/api/v1/subsidy-applications/${app.id}`).set(auth(sec));
    const winner = a.status === 200 ? a : b;
    expect(final.body.status).toBe(winner.body.status);
    // exactly one decision in the history and in the audit log
    const decisions = final.body.history.filter((h: { from: string }) => h.from === 'under_review');
    expect(decisions).toHaveLength(1);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'subsidy.decision' AND subject_id = $1`, [
      app.id,
    ]);
    expect(n).toBe(1);
  });

  it('submission only inside the window; illegal transitions are 409; a programme without criteria takes a single score', async () => {
    const closed = await createProgram(t, sec, {
      title: '締切済みの公募',
      opensAt: new Date(Date.now() - 30 * DAY).toISOString(),
      closesAt: new Date(Date.now() - DAY).toISOString(),
    });
    const late = await draftApplication(t, company.token, closed.id, { municipalPartnerOrganizationId: city.organizationId });
    const lateSubmit = await t.http().post(`/api/v1/subsidy-applications/${late.id}/submit`).set(auth(company.token));
    expect(lateSubmit.status).toBe(409);
    expect(lateSubmit.body.message).toMatch(/受付期間/);

    const future = await createProgram(t, sec, {
      title: '来月の公募',
      opensAt: new Date(Date.now() + 5 * DAY).toISOString(),
      closesAt: new Date(Date.now() + 30 * DAY).toISOString(),
    });
    const early = await draftApplication(t, company.token, future.id, { municipalPartnerOrganizationId: city.organizationId });
    expect((await t.http().post(`/api/v1/subsidy-applications/${early.id}/submit`).set(auth(company.token))).status).toBe(409);

    const bad = await t
      .http()
      .post('/api/v1/subsidy-programs')
      .set(auth(sec))
      .send({ title: 'x', subsidyRate: 1.5, opensAt: 'tomorrow', closesAt: '2025-01-01', requiresMunicipalPartner: true });
    expect(bad.status).toBe(400);
    expect(
      (
        await t
          .http()
          .post('/api/v1/subsidy-programs')
          .set(auth(company.token))
          .send({
            title: 'x',
            subsidyRate: 0.5,
            opensAt: new Date().toISOString(),
            closesAt: new Date(Date.now() + DAY).toISOString(),
            requiresMunicipalPartner: false,
          })
      ).status,
    ).toBe(403);
    expect(
      (
        await t
          .http()
          .post(`/api/v1/subsidy-programs/${programId}/applications`)
          .set(auth(sec))
          .send({ title: 'x', summary: 'x', requestedAmount: 1, budgetItems: [{ item: 'x', amount: 2 }] })
      ).status,
    ).toBe(403);
    expect(
      (
        await t
          .http()
          .post(`/api/v1/subsidy-programs/${programId}/applications`)
          .set(auth(company.token))
          .send({ title: 'x', summary: 'x', requestedAmount: 1, budgetItems: [{ item: 'x', amount: 2 }], extra: 1 })
      ).status,
    ).toBe(400);

    const simple = await createProgram(t, sec, { title: '観点なしの公募', criteria: [], requiresMunicipalPartner: false, subsidyRate: 1 });
    const app = await draftApplication(t, company.token, simple.id, {
      requestedAmount: 300_000,
      budgetItems: [{ item: 'センサー', amount: 300_000 }],
    });
    expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/confirm`).set(auth(sec)).send({ confirmedAmount: 1 })).status).toBe(
      409,
    );
    await t.http().post(`/api/v1/subsidy-applications/${app.id}/submit`).set(auth(company.token));
    expect(
      (await t.http().post(`/api/v1/subsidy-applications/${app.id}/report`).set(auth(company.token)).send({ actualCost: 1, outcome: 'x' }))
        .status,
    ).toBe(409);
    await t.http().post(`/api/v1/subsidy-applications/${app.id}/start-review`).set(auth(sec));
    expect((await t.http().post(`/api/v1/subsidy-applications/${app.id}/start-review`).set(auth(sec))).status).toBe(409);
    await t.http().post(`/api/v1/subsidy-applications/${app.id}/reviewers`).set(auth(sec)).send({ email: univ.email });
    const scored = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/reviews`)
      .set(auth(univ.token))
      .send({ score: 4, comment: '妥当' });
    expect(scored.status).toBe(201);
    const rejected = await t
      .http()
      .post(`/api/v1/subsidy-applications/${app.id}/decision`)
      .set(auth(sec))
      .send({ decision: 'rejected', comment: '予算の都合により' });
    expect(rejected.body.status).toBe('rejected');
    expect(
      (await t.http().post(`/api/v1/subsidy-applications/${app.id}/decision`).set(auth(sec)).send({ decision: 'adopted' })).status,
    ).toBe(409);
  });
});
