import type { Principal } from '../auth/principal';
import { eventWorkflow, pitchWorkflow, registrationStage, registrationWorkflow } from './events.state';

const person = (roles: string[] = []): Principal => ({
  userId: 'u1',
  email: 'a@example.jp',
  displayName: 'a',
  organizationId: 'o1',
  organizationName: 'o',
  organizationKind: 'corporation',
  roles,
  via: 'session',
});
const secretariat = person(['secretariat']);
const member = person();

describe('events workflows', () => {
  it('the secretariat publishes a draft and cancels a draft or a published event; nobody else may', () => {
    expect(eventWorkflow.available('draft', { principal: secretariat })).toEqual(['publish', 'cancel']);
    expect(eventWorkflow.available('published', { principal: secretariat })).toEqual(['cancel']);
    expect(eventWorkflow.available('cancelled', { principal: secretariat })).toEqual([]);
    expect(eventWorkflow.available('draft', { principal: member })).toEqual([]);
    expect(() => eventWorkflow.assertAction('publish', 'published', { principal: secretariat })).toThrow(
      expect.objectContaining({ status: 409 }),
    );
    expect(() => eventWorkflow.assertAction('cancel', 'published', { principal: undefined })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });

  it('pitch decisions are the secretariat’s until the awards are announced', () => {
    const open = { principal: secretariat, awardsAnnounced: false };
    expect(pitchWorkflow.available('applied', open)).toEqual(['select', 'reject']);
    expect(pitchWorkflow.available('selected', open)).toEqual(['reject']);
    expect(pitchWorkflow.available('rejected', open)).toEqual(['select']);
    expect(pitchWorkflow.available('withdrawn', open)).toEqual([]);
    expect(pitchWorkflow.available('applied', { principal: secretariat, awardsAnnounced: true })).toEqual([]);
    expect(pitchWorkflow.available('applied', { principal: member, awardsAnnounced: false })).toEqual([]);
  });

  it('a registration may be cancelled until its holder is checked in', () => {
    const ctx = { principal: member, mayActFor: true };
    expect(registrationStage({ status: 'confirmed', checkedInAt: null })).toBe('confirmed');
    expect(registrationStage({ status: 'confirmed', checkedInAt: new Date() })).toBe('checkedIn');
    expect(registrationWorkflow.available('confirmed', ctx)).toEqual(['cancel']);
    expect(registrationWorkflow.available('waitlisted', ctx)).toEqual(['cancel']);
    expect(registrationWorkflow.available('checkedIn', ctx)).toEqual([]);
    expect(() => registrationWorkflow.assertAction('cancel', 'checkedIn', ctx)).toThrow(expect.objectContaining({ status: 409 }));
    expect(registrationWorkflow.available('confirmed', { principal: secretariat, mayActFor: true })).toEqual(['cancel', 'checkIn']);
  });
});
