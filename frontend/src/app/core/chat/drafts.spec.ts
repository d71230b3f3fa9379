import { TestBed } from '@angular/core/testing';
import { forgetUser, userStorageKey } from '../util/user-storage';
import { DRAFTS_ITEM, Drafts, MAX_DRAFTS } from './drafts';

describe('Drafts', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => localStorage.clear());

  const stored = (userId: number) => JSON.parse(localStorage.getItem(userStorageKey(userId, DRAFTS_ITEM)) ?? 'null');

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

  it('stores the drafts of the signed-in user, and a new session of theirs (a reload) finds them', () => {
    const drafts = new Drafts();
    drafts.load(1);
    drafts.set('u:2', 'half written');
    drafts.set('g:7', 'to the team');
    expect(stored(1)).toEqual({ 'u:2': 'half written', 'g:7': 'to the team' });

    const reloaded = new Drafts();
    expect(reloaded.of('u:2')).toBe('');
    reloaded.load(1);
    expect([reloaded.of('u:2'), reloaded.of('g:7')]).toEqual(['half written', 'to the team']);
    const someoneElse = new Drafts();
    someoneElse.load(2);
    expect(someoneElse.of('u:2')).toBe('');
  });

  it('an emptied draft (a sent message) is removed, and the item with the last one', () => {
    const drafts = new Drafts();
    drafts.load(1);
    drafts.set('u:2', 'a');
    drafts.set('g:7', 'b');
    drafts.set('u:2', '');
    expect(stored(1)).toEqual({ 'g:7': 'b' });
    drafts.set('g:7', '');
    expect(localStorage.getItem(userStorageKey(1, DRAFTS_ITEM))).toBeNull();
  });

  it('reset forgets them in memory only (the session stopped); forgetUser (sign-out) erases them', () => {
    const drafts = new Drafts();
    drafts.load(1);
    drafts.set('u:2', 'kept');
    drafts.reset();
    expect(drafts.of('u:2')).toBe('');
    drafts.set('u:3', 'not stored: nobody is signed in');
    expect(stored(1)).toEqual({ 'u:2': 'kept' });
    localStorage.setItem(userStorageKey(2, DRAFTS_ITEM), '{"u:1":"bob\'s"}');
    forgetUser(1);
    expect([localStorage.getItem(userStorageKey(1, DRAFTS_ITEM)), stored(2)]).toEqual([null, { 'u:1': "bob's" }]);
  });

  it('reads only key → text pairs from storage, whatever is there', () => {
    for (const raw of ['not json', '[1,2]', '"text"', '{"u:2":"ok","x:1":"bad key","g:3":7,"u:0":"no id","g:4":""}']) {
      localStorage.setItem(userStorageKey(1, DRAFTS_ITEM), raw);
      const drafts = new Drafts();
      drafts.load(1);
      expect(drafts.of('u:2')).toBe(raw.startsWith('{') ? 'ok' : '');
      expect([drafts.of('g:3'), drafts.of('g:4')]).toEqual(['', '']);
    }
  });

  it(`keeps the ${MAX_DRAFTS} written to last`, () => {
    const drafts = new Drafts();
    drafts.load(1);
    for (let i = 1; i <= MAX_DRAFTS + 5; i++) drafts.set(`u:${i}`, `draft ${i}`);
    drafts.set('u:3', 'written again'); // gone already: comes back as the newest
    const keys = Object.keys(stored(1));
    expect(keys.length).toBe(MAX_DRAFTS);
    expect([keys.includes('u:6'), keys.includes('u:7'), keys[keys.length - 1]]).toEqual([false, true, 'u:3']);
  });
});
