import { describe, expect, it } from 'vitest';
import { checkNearMiss } from './near-miss-guard.js';

describe('checkNearMiss', () => {
  it.each([
    ['How do I reset my password?', 'How can I reset my password?'],
    ['HOW DO I RESET MY PASSWORD', 'how do i reset my password'],
    ['How do I reset my password?', 'Steps to reset my password'],
    ['Reset my password', 'password reset'],
    ['Hi! How do I delete my account, please?', 'How do I delete my account?'],
    ['How do I turn on dark mode?', 'How do I enable dark mode?'],
    ['How do I log in to the dashboard?', 'How do I sign in to the dashboard?'],
    ['Give me three tips for public speaking', 'Give me 3 tips for public speaking'],
    ['What is the capital of France?', "what's the capital of france"],
    ['What colour is a flamingo?', 'What color is a flamingo?'],
    ['Translate "good morning" into Spanish', "Translate 'good morning' into Spanish."],
    ['Is the store open on Sundays?', 'Is your store open on Sunday?'],
    ['Can you explain what a hash table is?', 'What is a hash table?'],
    ['hi', 'Hi!'],
    ['HOW DO I RESET MY PASSWORD', 'How do I reset my password?'],
  ])('treats %j and %j as the same question', (a, b) => {
    expect(checkNearMiss(a, b)).toEqual({ verdict: 'equivalent' });
  });

  it.each<[string, string, string]>([
    ['How do I enable notifications?', 'How do I disable notifications?', 'antonym'],
    ['How do I install the driver?', 'How do I uninstall the driver?', 'antonym'],
    ['How do I open a port?', 'How do I close a port?', 'antonym'],
    ['What meetings do I have today?', 'What meetings do I have tomorrow?', 'antonym'],
    ['Should I take it before meals?', 'Should I take it after meals?', 'antonym'],
    ['Which plants need sunlight?', "Which plants don't need sunlight?", 'negation'],
    ['How do I make coffee with milk?', 'How do I make coffee without milk?', 'negation'],
    ['What should I say in an interview?', 'What should I never say in an interview?', 'negation'],
    ['Is anyone able to help me?', 'Is nobody able to help me?', 'negation'],
    ['Where is order 1234?', 'Where is order 1243?', 'number'],
    ['Book a table for 2 at 7pm', 'Book a table for 2 at 8pm', 'number'],
    ['Is version 2.3.1 affected?', 'Is version 2.3.2 affected?', 'number'],
    ['Transfer $500 to savings', 'Transfer $50 to savings', 'number'],
    ['Give me two examples', 'Give me five examples', 'number'],
    ['Send it to alice@example.com', 'Send it to bob@example.com', 'entity'],
    ['Summarize https://example.com/a', 'Summarize https://example.com/b', 'entity'],
    ['What is the capital of France?', 'What is the capital of Germany?', 'entity'],
    ['Translate "cat" into French', 'Translate "dog" into French', 'entity'],
    ['How do I reset my password?', 'How do I reset my username?', 'content-word'],
    ['How do I reset my password?', '¿Cómo restablezco mi contraseña?', 'content-word'],
    ['Where is my package?', '我的包裹在哪里?', 'language'],
    ['What is machine learning?', 'Что такое машинное обучение?', 'language'],
    ['Convert 100 °F to °C', 'Convert 100 °C to °F', 'entity'],
    ['Convert fahrenheit to celsius', 'Convert celsius to fahrenheit', 'entity'],
    ['Flights from London to Paris', 'Flights from Paris to London', 'entity'],
    ['Is python faster than java?', 'Is java faster than python?', 'word-order'],
    ['Why did the teacher thank the student?', 'Why did the student thank the teacher?', 'word-order'],
    ['Is a square a rectangle?', 'Is a rectangle a square?', 'word-order'],
    ['Redirect HTTP to HTTPS', 'Redirect HTTPS to HTTP', 'entity'],
    ['hi', 'thanks', 'content-word'],
    ['How much is 2 + 2?', 'How much is 2 * 2?', 'entity'],
    ['Is a > b here?', 'Is a < b here?', 'entity'],
    ['Is it sold in the US?', 'Is it sold?', 'entity'],
    ['What is 5-3?', 'What is 53?', 'number'],
    ["What's 10% of 50?", "What's 50% of 10?", 'entity'],
  ])('tells %j from %j (%s)', (a, b, reason) => {
    const verdict = checkNearMiss(a, b);
    expect(verdict.verdict).toBe('different');
    if (verdict.verdict === 'different') expect(verdict.reason).toBe(reason);
  });

  it('is symmetric on a sample of pairs', () => {
    const pairs = [
      ['How do I reset my password?', 'How can I reset my password?'],
      ['Where is order 1234?', 'Where is order 1243?'],
      ['Reset my password', 'password reset'],
      ['Flights from London to Paris', 'Flights from Paris to London'],
    ] as const;
    for (const [a, b] of pairs) expect(checkNearMiss(a, b).verdict).toBe(checkNearMiss(b, a).verdict);
  });
});
