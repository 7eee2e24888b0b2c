import { defineWorkflow } from './workflow';

const TABLE = { draft: ['submitted'], submitted: ['approved', 'draft'], approved: [] } as const;
type S = keyof typeof TABLE;
interface Ctx {
  owner: boolean;
  secretariat: boolean;
}

describe('workflow actions', () => {
  const wf = defineWorkflow<S, 'submit' | 'approve' | 'return', Ctx>('doc', TABLE, {
    submit: { from: ['draft'], to: 'submitted', allowed: (c) => c.owner },
    approve: { from: ['submitted'], to: 'approved', allowed: (c) => c.secretariat },
    return: { from: ['submitted'], to: 'draft', allowed: (c) => c.secretariat },
  });

  it('offers only the actions the state and the role allow', () => {
    expect(wf.available('draft', { owner: true, secretariat: false })).toEqual(['submit']);
    expect(wf.available('draft', { owner: false, secretariat: true })).toEqual([]);
    expect(wf.available('submitted', { owner: false, secretariat: true })).toEqual(['approve', 'return']);
    expect(wf.available('approved', { owner: true, secretariat: true })).toEqual([]);
  });

  it('refuses an action the role does not allow with 403 and one the state does not allow with 409', () => {
    expect(() => wf.assertAction('approve', 'submitted', { owner: true, secretariat: false })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(() => wf.assertAction('approve', 'draft', { owner: false, secretariat: true })).toThrow(
      expect.objectContaining({ status: 409 }),
    );
    expect(wf.assertAction('return', 'submitted', { owner: false, secretariat: true })).toBe('draft');
  });

  it('rejects an action whose transition is not in the table when the workflow is defined', () => {
    expect(() => defineWorkflow<S, 'skip', Ctx>('bad', TABLE, { skip: { from: ['draft'], to: 'approved', allowed: () => true } })).toThrow(
      /not in the table/,
    );
  });
});
