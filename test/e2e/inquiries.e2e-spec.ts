import { createTestApp, TestApp } from '../support/app';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { auth, postIssue, postSolution } from '../factories/marketplace';
import { inquiryList, openInquiry } from '../factories/inquiries';
import { JobsService } from '../../libs/jobs';

// shared Meilisearch and a busy machine: give slow steps room (no timing is asserted)
jest.setTimeout(150_000);

describe('inquiries (問い合わせ): a company asks a municipality about its issue, and nobody else can read it', () => {
  let t: TestApp;
  let osaka: TestMember;
  let company: TestMember;
  let outsider: TestMember;
  let issue: { id: string; title: string };
  let threadId: string;

  const get = (path: string, token: string) => t.http().get(path).set(auth(token));
  const post = (path: string, token: string, body: object) => t.http().post(path).set(auth(token)).send(body);
  const flushMail = () => t.app.get(JobsService).drain(['mail.send'], 60_000);

  beforeAll(async () => {
    t = await createTestApp('inquiries');
    osaka = await approvedMember(t, 'municipality', { municipalityCode: '27100', name: '大阪市' });
    company = await approvedMember(t, 'corporation', { name: '株式会社みまもりテック' });
    outsider = await approvedMember(t, 'corporation', { name: '株式会社よその会社' });
    issue = await postIssue(t, osaka.token, {
      status: 'published',
      title: '独居高齢者の安否確認を効率化したい',
      body: '一人暮らしの高齢者が増え、民生委員による訪問だけでは安否確認が追いつきません。',
      fieldSlugs: ['elderly'],
      tags: ['見守り', '安否確認'],
      contactName: '大阪 花子',
      contactEmail: 'mimamori@city.example.jp',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a company opens a thread from the issue; the municipality is told by e-mail and sees one unread message', async () => {
    const page = await get(`/issues/${issue.id}`, company.token);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/問い合わせを送る/);

    const thread = await openInquiry(t, company.token, {
      issueId: issue.id,
      subject: '見守りセンサーによる実証のご提案',
      message: '弊社の見守りセンサーで、安否確認の実証実験をご一緒できないでしょうか。\n費用は弊社で負担します。',
    });
    threadId = thread.id;
    expect(thread).toMatchObject({
      subject: '見守りセンサーによる実証のご提案',
      issue: { id: issue.id, title: '独居高齢者の安否確認を効率化したい' },
      solution: null,
      from: { id: company.organizationId, name: '株式会社みまもりテック' },
      to: { id: osaka.organizationId, name: '大阪市' },
      unreadCount: 0,
      canReply: true,
    });
    expect(thread.messages).toHaveLength(1);
    expect(thread.messages[0].body).toBe(
      '弊社の見守りセンサーで、安否確認の実証実験をご一緒できないでしょうか。\n費用は弊社で負担します。',
    );

    await flushMail();
    const mails = t.mail.to(osaka.email).filter((m) => m.subject.includes('問い合わせが届きました'));
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toContain('見守りセンサーによる実証のご提案');
    expect(mails[0].text).toContain('株式会社みまもりテック');
    expect(mails[0].text).toContain(`/inquiries/${threadId}`);
    // the sender is not mailed about their own message
    expect(t.mail.to(company.email).filter((m) => m.subject.includes('問い合わせ'))).toHaveLength(0);

    const list = await inquiryList(t, osaka.token);
    expect(list.items.map((i) => [i.subject, i.unreadCount, i.counterpart.name])).toEqual([
      ['見守りセンサーによる実証のご提案', 1, '株式会社みまもりテック'],
    ]);

    const inbox = await get('/inquiries', osaka.token);
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain('見守りセンサーによる実証のご提案');
    expect(inbox.text).toMatch(/未読1件/);
    expect(inbox.text).toMatch(/<a href="\/inquiries">問い合わせ <span class="badge badge--unread">未読1件<\/span><\/a>/);
  });

  it('the municipality reads and replies; its unread count drops to 0 and the company sees one unread reply', async () => {
    const read = await get(`/api/v1/inquiries/${threadId}`, osaka.token);
    expect(read.status).toBe(200);
    expect((await inquiryList(t, osaka.token)).items[0].unreadCount).toBe(0);

    const reply = await post(`/api/v1/inquiries/${threadId}/messages`, osaka.token, {
      message: 'ご提案ありがとうございます。来月、担当課で打ち合わせをお願いします。',
    });
    expect(reply.status).toBe(201);
    expect(reply.body.messages.map((m: any) => m.author.organization.name)).toEqual(['株式会社みまもりテック', '大阪市']);

    expect((await inquiryList(t, company.token)).items[0].unreadCount).toBe(1);
    await flushMail();
    const mails = t.mail.to(company.email).filter((m) => m.subject.includes('返信がありました'));
    expect(mails).toHaveLength(1);
    expect(mails[0].text).toContain('来月、担当課で打ち合わせをお願いします。');

    const page = await get(`/inquiries/${threadId}`, company.token);
    expect(page.text).toContain('来月、担当課で打ち合わせをお願いします。');
    // reading the thread clears the unread badge in the header at once
    expect(page.text).not.toMatch(/未読\d+件/);
    expect((await inquiryList(t, company.token)).items[0].unreadCount).toBe(0);
  });

  it('a third organisation gets 404 for the thread, cannot post to it and does not see it in its list', async () => {
    expect((await get(`/api/v1/inquiries/${threadId}`, outsider.token)).status).toBe(404);
    expect((await get(`/inquiries/${threadId}`, outsider.token)).status).toBe(404);
    expect((await post(`/api/v1/inquiries/${threadId}/messages`, outsider.token, { message: '横から失礼します' })).status).toBe(404);
    const list = await inquiryList(t, outsider.token);
    expect(list.total).toBe(0);
    expect(list.items).toEqual([]);
  });

  it('the secretariat can read the thread and finds it in its list, but does not take part', async () => {
    const sec = await secretariatTokenFor(t);
    const read = await get(`/api/v1/inquiries/${threadId}`, sec);
    expect(read.status).toBe(200);
    expect(read.body.canReply).toBe(false);
    expect(read.body.messages).toHaveLength(2);
    expect((await inquiryList(t, sec)).items.map((i) => i.id)).toContain(threadId);
    expect((await post(`/api/v1/inquiries/${threadId}/messages`, sec, { message: '事務局です' })).status).toBe(403);
  });

  it('a municipality asks a company about its solution from the solution page', async () => {
    const provider = await approvedMember(t, 'corporation', { name: '株式会社ひかり交通' });
    const solution = await postSolution(t, provider.token, {
      status: 'published',
      title: 'AIオンデマンド交通',
      fieldSlugs: ['mobility'],
      tags: ['デマンド交通'],
    });
    const page = await get(`/solutions/${solution.id}`, osaka.token);
    expect(page.text).toMatch(/問い合わせを送る/);
    const thread = await openInquiry(t, osaka.token, {
      solutionId: solution.id,
      subject: '導入費用について',
      message: '人口約5万人規模での導入費用の目安を教えてください。',
    });
    expect(thread).toMatchObject({
      solution: { id: solution.id, title: 'AIオンデマンド交通' },
      from: { name: '大阪市' },
      to: { name: '株式会社ひかり交通' },
    });
    // a company does not inquire about another company's solution here
    expect(
      (await post('/api/v1/inquiries', company.token, { solutionId: solution.id, subject: '協業', message: '協業しませんか' })).status,
    ).toBe(403);
  });

  it('refuses bad requests: both or neither item, own organisation, drafts, too long, missing subject', async () => {
    const draft = await postIssue(t, osaka.token, { status: 'draft', title: '下書きの課題' });
    const ok = { subject: '件名', message: '本文です' };
    const both = await post('/api/v1/inquiries', company.token, { ...ok, issueId: issue.id, solutionId: issue.id });
    expect(both.status).toBe(400);
    expect(both.body.code).toBe('inquiries.exactlyOneItem');
    expect((await post('/api/v1/inquiries', company.token, ok)).status).toBe(400);
    const own = await post('/api/v1/inquiries', osaka.token, { ...ok, issueId: issue.id });
    expect(own.status).toBe(400);
    expect(own.body.code).toBe('inquiries.ownOrganization');
    expect((await post('/api/v1/inquiries', company.token, { ...ok, issueId: draft.id })).status).toBe(404);
    expect((await post('/api/v1/inquiries', company.token, { ...ok, issueId: issue.id, message: 'あ'.repeat(5001) })).status).toBe(400);
    expect((await post('/api/v1/inquiries', company.token, { issueId: issue.id, message: '本文です' })).status).toBe(400);
    expect((await post('/api/v1/inquiries', company.token, { ...ok, issueId: issue.id, subject: '   ' })).status).toBe(400);
    expect((await post(`/api/v1/inquiries/${threadId}/messages`, company.token, { message: '' })).status).toBe(400);
    expect((await get('/api/v1/inquiries/not-a-uuid', company.token)).status).toBe(404);
    expect((await t.http().get('/api/v1/inquiries')).status).toBe(401);
  });
});
