import { TestBed } from '@angular/core/testing';
import { Drafts } from './drafts';

describe('Drafts', () => {
  it('keeps a draft per conversation', () => {
    const drafts = TestBed.inject(Drafts);
    drafts.set('u:2', 'to bob');
    drafts.set('g:7', 'to the team');
    expect(drafts.of('u:2')).toBe('to bob');
    expect(drafts.of('g:7')).toBe('to the team');
    expect(drafts.of('u:3')).toBe('');
    drafts.reset();
    expect(drafts.of('u:2')).toBe('');
  });
});
