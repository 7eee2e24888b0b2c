import { APPLICATION_STATUSES, subsidyActions, subsidyWorkflow } from './subsidy.state';

describe('subsidy workflow: the actions each role may take in each state', () => {
  it('spells each state once, in the table', () => {
    expect(APPLICATION_STATUSES).toEqual(Object.keys(subsidyWorkflow.table));
  });

  it('offers the applicant, the secretariat and a reviewer different actions', () => {
    expect(subsidyActions('draft', { access: 'applicant' })).toEqual(['submit', 'withdraw', 'edit']);
    expect(subsidyActions('draft', { access: 'secretariat' })).toEqual([]);
    expect(subsidyActions('submitted', { access: 'applicant' })).toEqual(['withdraw']);
    expect(subsidyActions('submitted', { access: 'secretariat' })).toEqual(['return', 'startReview', 'assignReviewer']);
    expect(subsidyActions('under_review', { access: 'reviewer' })).toEqual(['review']);
    expect(subsidyActions('under_review', { access: 'reviewer', reviewed: true })).toEqual([]);
    expect(subsidyActions('under_review', { access: 'applicant' })).toEqual([]);
    expect(subsidyActions('grant_decided', { access: 'applicant' })).toEqual(['withdrawGrant', 'requestChange', 'report']);
    expect(subsidyActions('grant_decided', { access: 'applicant', withdrawalClosed: true })).toEqual(['requestChange', 'report']);
    expect(subsidyActions('change_requested', { access: 'secretariat' })).toEqual(['approveChange', 'rejectChange']);
    expect(subsidyActions('report_submitted', { access: 'secretariat' })).toEqual(['returnReport', 'confirm']);
    expect(subsidyActions('report_returned', { access: 'applicant' })).toEqual(['report']);
    expect(subsidyActions('completed', { access: 'secretariat' })).toEqual([]);
    expect(subsidyActions('completed', { access: 'applicant' })).toEqual(['claimPayment']);
    expect(subsidyActions('payment_claimed', { access: 'secretariat' })).toEqual(['pay']);
  });

  it('lets only the named municipal partner answer, and holds the review until it has confirmed', () => {
    expect(subsidyActions('submitted', { access: 'partner' })).toEqual(['confirmPartner', 'declinePartner']);
    expect(subsidyActions('submitted', { access: 'secretariat', partnerPending: true })).toEqual(['return', 'assignReviewer']);
    expect(subsidyActions('partner_confirmed', { access: 'secretariat' })).toEqual(['return', 'startReview', 'assignReviewer']);
    expect(subsidyActions('partner_confirmed', { access: 'partner' })).toEqual([]);
    expect(() => subsidyWorkflow.assertAction('confirmPartner', 'submitted', { access: 'applicant' })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });

  it('refuses a step by the wrong role (403) or from the wrong state (409)', () => {
    expect(() => subsidyWorkflow.assertAction('startReview', 'submitted', { access: 'applicant' })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(() => subsidyWorkflow.assertAction('withdraw', 'under_review', { access: 'applicant' })).toThrow(
      expect.objectContaining({ status: 409 }),
    );
    expect(subsidyWorkflow.assertAction('adopt', 'under_review', { access: 'secretariat' })).toBe('adopted');
  });
});
