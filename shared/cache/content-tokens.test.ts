import { describe, expect, it } from 'vitest';
import { analyzePrompt, stem } from './content-tokens.js';

describe('analyzePrompt', () => {
  it.each([
    ['How do I reset my password?', ['how', 'reset', 'password']],
    ["Why doesn't my code compile?", ['why', 'not', 'code', 'compil']],
    ['Convert 100°F to °C', ['convert', '100', 'fahrenheit', 'to', 'celsius']],
    ['Transfer $1,500 to savings', ['transfer', '1500', 'usd', 'to', 'sav']],
    ['a 5kg bag', ['5', 'kg', 'bag']],
    ['Is it going to rain?', ['future', 'rain']],
    ['Track 1Z999AA10123456784', ['track', '1z999aa10123456784']],
    ['What does `git rebase` do?', ['what', 'git rebase']],
    ['Translate "Good Morning"', ['translat', 'good', 'morning']],
  ])('tokenises %j', (text, expected) => {
    expect(analyzePrompt(text).tokens.map((t) => t.text)).toEqual(expected);
  });

  it('marks names, numbers, units and quoted text as fixed, and plain words not', () => {
    const tokens = analyzePrompt('Flights from London to Paris for 2 people in "economy" class');
    const fixed = Object.fromEntries(tokens.tokens.map((t) => [t.text, t.fixed]));
    expect(fixed).toMatchObject({ flight: false, london: true, paris: true, '2': true, economy: true, class: false });
  });

  it.each([
    ['Where is my package?', 'latin'],
    ['Который час?', 'cyrillic'],
    ['我的包裹在哪里?', 'han'],
    ['123', 'none'],
  ])('detects the script of %j', (text, script) => {
    expect(analyzePrompt(text).script).toBe(script);
  });
});

describe('stem', () => {
  it.each([
    ['passwords', 'password'],
    ['batteries', 'batteri'],
    ['battery', 'batteri'],
    ['running', 'run'],
    ['string', 'string'],
    ['boxes', 'box'],
    ['installed', 'installed'],
    ['bus', 'bus'],
    ['https', 'https'],
    ['news', 'news'],
  ])('stems %s to %s', (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
});
